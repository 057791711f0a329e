"""Vibe search keeps only the films that stream on the viewer's services (or free) when asked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aesthetics.search import vibe_search
from catalog.models import MemberService
from tests.aesthetics import test_search
from tests.factories import make_offer

gallery = test_search.gallery  # the same four analysed films (a fixture)
ranked_titles = test_search.ranked_titles
pytestmark = pytest.mark.django_db


def test_vibe_search_on_my_services_and_free(gallery):
    make_offer(gallery["pink"], country="US", provider_id=8, kind="flatrate")
    make_offer(gallery["blue"], country="US", provider_id=73, kind="ads")
    mine = vibe_search(query="bright", streaming="mine", country="US", service_ids=[8])
    assert ranked_titles(mine) == ["Pink Dreams"]
    assert ranked_titles(vibe_search(query="bright", streaming="mine", country="US", service_ids=[])) == []
    free = vibe_search(query="cold lonely", streaming="free", country="US")
    assert ranked_titles(free) == ["Cold Shore"]


def test_vibe_page_uses_the_members_services(client, alice, gallery):
    make_offer(gallery["pink"], country="US", provider_id=8, kind="flatrate")
    MemberService.objects.create(user=alice, provider_id=8)
    client.force_login(alice)
    response = client.get(
        reverse("aesthetics:vibe"), {"q": "bright", "streaming": "mine"}, HTTP_ACCEPT_LANGUAGE="en-US"
    )
    assert ranked_titles(response.context["results"]) == ["Pink Dreams"]
    assert client.get(reverse("aesthetics:vibe"), {"q": "bright", "streaming": "bogus"}).status_code == 400

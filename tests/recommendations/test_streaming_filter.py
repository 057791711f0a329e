"""Recommendations keep only the films that stream on the member's services (or free) when asked."""

from __future__ import annotations

from django.urls import reverse

from catalog.models import MemberService
from recommendations.selectors import member_recommendations
from reviews.services import rating_set
from tests.factories import make_member, make_offer


def test_on_my_services_keeps_only_streamable_films(client, trained):
    member = make_member("fan", country="US")
    for film in trained["action"][:3]:
        rating_set(user=member, film=film, stars="5")
    streamable, free = trained["action"][5], trained["action"][6]
    make_offer(streamable, country="US", provider_id=8, kind="flatrate")
    make_offer(trained["action"][7], country="US", provider_id=2, kind="rent")  # rent: not "on my services"
    make_offer(free, country="US", provider_id=73, kind="free")
    MemberService.objects.create(user=member, provider_id=8)
    everything = member_recommendations(user=member)
    assert len(everything.items) > 1
    mine = member_recommendations(user=member, streaming="mine", country="US", service_ids=[8])
    assert [item.film_id for item in mine.items] == [streamable.pk]
    gratis = member_recommendations(user=member, streaming="free", country="US", service_ids=[8])
    assert [item.film_id for item in gratis.items] == [free.pk]
    assert member_recommendations(user=member, streaming="mine", country="GB", service_ids=[8]).items == []
    client.force_login(member)
    page = client.get(reverse("recommendations:page"), {"streaming": "mine"})
    assert [item.film_id for item in page.context["result"].items] == [streamable.pk]
    assert page.context["streaming"] == "mine"
    assert client.get(reverse("recommendations:page"), {"streaming": "bogus"}).context["streaming"] == ""


def test_the_popular_fallback_is_filtered_too(taste_world):
    member = make_member("newcomer")
    film = taste_world["romance"][3]
    make_offer(film, country="FR", provider_id=8, kind="flatrate")
    result = member_recommendations(user=member, streaming="mine", country="FR", service_ids=[8])
    assert result.source == "popular"
    assert [item.film_id for item in result.items] == [film.pk]

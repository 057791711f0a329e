from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Credit, StaffPick, StaffPickList
from tests.factories import make_film, make_person, make_poster


@pytest.fixture
def catalogue(db):
    film = make_film("Alien", year=1979, genres=("Horror",), certificate="R", imdb_id="tt0078748", movielens_id=1214)
    make_poster(film)
    Credit.objects.create(film=film, person=make_person("Ridley Scott"), role=Credit.Role.DIRECTOR)
    staff_list = StaffPickList.objects.create(title="Space horror", slug="space-horror")
    StaffPick.objects.create(staff_list=staff_list, film=film)
    return film


@pytest.mark.parametrize(
    "url_name", ["film", "person", "genre", "staffpicklist"], ids=["films", "people", "genres", "staff-pick-lists"]
)
def test_staff_can_open_each_changelist(client, staff, catalogue, url_name):
    client.force_login(staff)
    assert client.get(reverse(f"admin:catalog_{url_name}_changelist")).status_code == 200


def test_film_changelist_filters_and_searches(client, staff, catalogue):
    make_film("Heat", year=1995, certificate="R")
    catalogue.alternative_titles.create(title="Alien: Le huitième passager", source="tmdb", country="FR")
    client.force_login(staff)
    url = reverse("admin:catalog_film_changelist")
    for query, expected in [
        ({"q": "alien"}, ["Alien"]),
        ({"q": "tt0078748"}, ["Alien"]),
        ({"q": "1214"}, ["Alien"]),
        ({"q": "huitième"}, ["Alien"]),
        ({"decade": "1990"}, ["Heat"]),
        ({"certificate": "R", "genres__id__exact": str(catalogue.genres.get().pk)}, ["Alien"]),
    ]:
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert [film.title for film in response.context["cl"].result_list] == expected, query


def test_film_change_page_has_title_credit_and_image_inlines(client, staff, catalogue):
    client.force_login(staff)
    response = client.get(reverse("admin:catalog_film_change", args=[catalogue.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ridley Scott" in html
    assert catalogue.poster.file.url in html
    assert [formset.formset.prefix for formset in response.context["inline_admin_formsets"]] == [
        "alternative_titles",
        "credits",
        "images",
    ]


def test_staff_pick_list_change_page_uses_film_autocomplete(client, staff, catalogue):
    client.force_login(staff)
    staff_list = StaffPickList.objects.get()
    response = client.get(reverse("admin:catalog_staffpicklist_change", args=[staff_list.pk]))
    assert response.status_code == 200
    assert "admin-autocomplete" in response.content.decode()
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"term": "ali", "app_label": "catalog", "model_name": "staffpick", "field_name": "film"},
    )
    assert [result["text"] for result in autocomplete.json()["results"]] == ["Alien (1979)"]


def test_members_cannot_open_the_admin(client, alice, catalogue):
    client.force_login(alice)
    response = client.get(reverse("admin:catalog_film_changelist"))
    assert response.status_code == 302

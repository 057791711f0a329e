from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews import services
from reviews.models import DiaryEntry, FilmList, Rating, Review, WatchlistEntry
from tests.factories import make_film

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def as_member(api, member):
    api.force_authenticate(member)
    return api


# --- catalogue ----------------------------------------------------------------------------------------


def test_films_list_filters_and_detail(api):
    make_film("Heat", year=1995, genres=("Crime",))
    make_film("Alien", year=1979, genres=("Horror",))
    make_film("Aliens", year=1986, genres=("Horror",))
    titles = lambda response: [film["title"] for film in response.json()["results"]]  # noqa: E731
    assert titles(api.get("/api/films/?genre=horror&ordering=year")) == ["Alien", "Aliens"]
    assert titles(api.get("/api/films/?decade=1980")) == ["Aliens"]
    assert titles(api.get("/api/films/?year=1995")) == ["Heat"]
    assert titles(api.get("/api/films/?q=alien&ordering=title")) == ["Alien", "Aliens"]
    assert api.get("/api/films/?year=abc").status_code == 400
    film_id = api.get("/api/films/?q=heat").json()["results"][0]["id"]
    detail = api.get(f"/api/films/{film_id}/").json()
    assert detail["genres"] == ["crime"] and "credits" in detail
    assert api.post("/api/films/", {"title": "New"}).status_code in (401, 403, 405)


def test_people_search(api):
    from tests.factories import make_person

    make_person("Ridley Scott")
    make_person("Michael Mann")
    assert [p["name"] for p in api.get("/api/people/?q=mann").json()["results"]] == ["Michael Mann"]


def test_schema_and_docs_render(api):
    assert api.get("/api/schema/").status_code == 200
    assert api.get("/api/docs/").status_code == 200


# --- auth ---------------------------------------------------------------------------------------------


def test_token_authentication(api, alice, film):
    token = Token.objects.create(user=alice)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/me/").json()["username"] == "alice"
    assert api.post("/api/me/ratings/", {"film": film.pk, "stars": "4.5"}).status_code == 200
    assert Rating.objects.get(user=alice).stars == 4.5


def test_token_endpoint(api, alice):
    response = api.post("/api/token/", {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 200 and response.json()["token"]


def test_anonymous_cannot_write_or_see_member_data(api, film):
    assert api.get("/api/me/").status_code in (401, 403)
    assert api.get("/api/me/ratings/").status_code in (401, 403)
    assert api.post("/api/me/ratings/", {"film": film.pk, "stars": 4}).status_code in (401, 403)
    assert api.get("/api/me/diary/").status_code in (401, 403)
    assert api.get("/api/me/watchlist/").status_code in (401, 403)
    assert api.post("/api/reviews/", {"film_id": film.pk, "text": "x"}).status_code in (401, 403)
    assert api.post("/api/lists/", {"title": "x"}).status_code in (401, 403)
    assert api.post("/api/members/alice/follow/").status_code in (401, 403, 404)


# --- ratings ------------------------------------------------------------------------------------------


def test_ratings_set_like_aspects_and_clear(api, alice, film):
    as_member(api, alice)
    response = api.post("/api/me/ratings/", {"film": film.pk, "stars": "3.5", "liked": True, "story": "4"})
    assert response.json()["stars"] == "3.5" and response.json()["liked"] and response.json()["story"] == "4.0"
    assert api.post("/api/me/ratings/", {"film": film.pk, "stars": "3.25"}).status_code == 400
    assert [r["film"]["id"] for r in api.get("/api/me/ratings/").json()["results"]] == [film.pk]
    assert api.delete(f"/api/me/ratings/{film.pk}/").status_code == 204
    rating = Rating.objects.get()
    assert rating.stars is None and rating.liked
    assert api.put(f"/api/me/ratings/{film.pk}/", {}).status_code == 405


def test_ratings_are_private_to_their_member(api, alice, bob, film):
    services.rating_set(user=alice, film=film, stars=4)
    assert as_member(api, bob).get("/api/me/ratings/").json()["results"] == []


# --- diary --------------------------------------------------------------------------------------------


def test_diary_create_list_delete_own_only(api, alice, bob, film):
    as_member(api, alice)
    response = api.post(
        "/api/me/diary/",
        {"film_id": film.pk, "watched_on": "2024-02-01", "stars": "4", "tags": ["cinema"], "review_text": "Good"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    entry = DiaryEntry.objects.get()
    assert entry.review.text == "Good" and Rating.objects.get().stars == 4
    assert api.post("/api/me/diary/", {"film_id": film.pk, "watched_on": "2999-01-01"}).status_code == 400
    as_member(api, bob)
    assert api.get(f"/api/me/diary/{entry.pk}/").status_code == 404
    assert api.delete(f"/api/me/diary/{entry.pk}/").status_code == 404
    as_member(api, alice)
    assert api.put(f"/api/me/diary/{entry.pk}/", {}).status_code == 405
    assert api.delete(f"/api/me/diary/{entry.pk}/").status_code == 204


# --- reviews ------------------------------------------------------------------------------------------


def test_reviews_crud_by_author_only(api, alice, bob, film):
    as_member(api, alice)
    response = api.post("/api/reviews/", {"film_id": film.pk, "text": "Tense.", "contains_spoilers": False})
    assert response.status_code == 201, response.json()
    review_id = response.json()["id"]
    assert api.get(f"/api/reviews/?film={film.pk}").json()["results"][0]["author"] == "alice"
    as_member(api, bob)
    assert api.patch(f"/api/reviews/{review_id}/", {"text": "Bad"}).status_code == 403
    assert api.delete(f"/api/reviews/{review_id}/").status_code == 403
    assert api.post(f"/api/reviews/{review_id}/like/").json() == {"liked": True, "like_count": 1}
    as_member(api, alice)
    assert api.post(f"/api/reviews/{review_id}/like/").status_code == 400
    assert api.patch(f"/api/reviews/{review_id}/", {"text": "Tense!"}).json()["text"] == "Tense!"
    assert api.patch(f"/api/reviews/{review_id}/", {"text": ""}).status_code == 400
    assert api.delete(f"/api/reviews/{review_id}/").status_code == 204
    assert not Review.objects.exists()


# --- watchlist ----------------------------------------------------------------------------------------


def test_watchlist_add_update_remove(api, alice, bob, film):
    as_member(api, alice)
    assert api.post("/api/me/watchlist/", {"film_id": film.pk, "priority": 3, "note": "Soon"}).status_code == 201
    assert api.patch(f"/api/me/watchlist/{film.pk}/", {"priority": 1}).json()["priority"] == 1
    assert api.patch(f"/api/me/watchlist/{film.pk}/", {"priority": 9}).status_code == 400
    as_member(api, bob)
    assert api.delete(f"/api/me/watchlist/{film.pk}/").status_code == 404
    as_member(api, alice)
    assert api.put(f"/api/me/watchlist/{film.pk}/", {}).status_code == 405
    assert api.delete(f"/api/me/watchlist/{film.pk}/").status_code == 204
    assert not WatchlistEntry.objects.exists()


# --- lists --------------------------------------------------------------------------------------------


def test_lists_crud_entries_reorder_and_privacy(api, alice, bob, film):
    other = make_film("Heat", year=1995)
    as_member(api, alice)
    response = api.post("/api/lists/", {"title": "Night", "is_public": False})
    assert response.status_code == 201, response.json()
    list_id = response.json()["id"]
    api.post(f"/api/lists/{list_id}/entries/", {"film": film.pk})
    data = api.post(f"/api/lists/{list_id}/entries/", {"film": other.pk, "note": "Diner scene"}).json()
    assert [e["film"]["id"] for e in data["entries"]] == [film.pk, other.pk]
    data = api.post(f"/api/lists/{list_id}/reorder/", {"films": [other.pk, film.pk]}, format="json").json()
    assert [e["film"]["id"] for e in data["entries"]] == [other.pk, film.pk]
    assert api.post(f"/api/lists/{list_id}/reorder/", {"films": [123456]}, format="json").status_code == 400

    # Private: invisible to others and to anonymous visitors.
    as_member(api, bob)
    assert api.get(f"/api/lists/{list_id}/").status_code == 404
    assert api.post(f"/api/lists/{list_id}/entries/", {"film": film.pk}).status_code == 404
    assert list_id not in [item["id"] for item in api.get("/api/lists/").json()["results"]]
    api.force_authenticate(None)
    assert api.get(f"/api/lists/{list_id}/").status_code == 404

    as_member(api, alice)
    assert api.patch(f"/api/lists/{list_id}/", {"is_public": True}).status_code == 200
    as_member(api, bob)
    assert api.get(f"/api/lists/{list_id}/").status_code == 200
    assert api.patch(f"/api/lists/{list_id}/", {"title": "Mine"}).status_code == 403
    assert api.delete(f"/api/lists/{list_id}/").status_code == 403
    assert api.post(f"/api/lists/{list_id}/entries/", {"film": film.pk}).status_code == 403
    as_member(api, alice)
    data = api.delete(f"/api/lists/{list_id}/entries/", {"film": film.pk}).json()
    assert [e["film"]["id"] for e in data["entries"]] == [other.pk]
    assert api.delete(f"/api/lists/{list_id}/").status_code == 204
    assert not FilmList.objects.exists()


# --- follow -------------------------------------------------------------------------------------------


def test_follow_and_unfollow(api, alice, bob):
    as_member(api, alice)
    assert api.post("/api/members/bob/follow/").json() == {"following": True}
    assert api.get("/api/members/bob/").json()["followers"] == 1
    assert api.post("/api/members/alice/follow/").status_code == 400
    assert api.get("/api/members/bob/follow/").status_code == 405
    assert api.delete("/api/members/bob/follow/").json() == {"following": False}
    assert api.post("/api/members/nobody/follow/").status_code == 404

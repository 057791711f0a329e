from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import DiaryEntry, FilmListEntry, Rating, Review, WatchlistEntry
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, member):
    client.force_login(member)
    return client


# --- rating widget ------------------------------------------------------------------------------------


def test_anonymous_rating_redirects_to_login(client, film):
    response = client.post(reverse("reviews:rate", args=[film.pk]), {"stars": "4"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Rating.objects.exists()


def test_rating_without_javascript_redirects_back(client, alice, film):
    response = login(client, alice).post(
        reverse("reviews:rate", args=[film.pk]), {"stars": "3.5", "next": film.get_absolute_url()}
    )
    assert response.status_code == 302 and response["Location"] == film.get_absolute_url()
    assert Rating.objects.get().stars == 3.5


def test_rating_next_cannot_redirect_off_site(client, alice, film):
    response = login(client, alice).post(
        reverse("reviews:rate", args=[film.pk]), {"stars": "3", "next": "https://evil.example/"}
    )
    assert response["Location"] == film.get_absolute_url()


def test_htmx_rating_returns_the_widget_with_the_star_checked_and_a_clear_button(client, alice, film):
    login(client, alice)
    response = client.post(reverse("reviews:rate", args=[film.pk]), {"stars": "4"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="rating-widget-' in html and "<html" not in html
    assert html.count('type="radio" name="stars"') == 10 and html.count(" checked>") == 1
    assert 'name="stars" value="4"' in html.split(" checked>")[0].rsplit("<input", 1)[1]
    # The clear button submits an empty value.
    assert 'name="stars" value="" class="clear-rating' in html
    client.post(reverse("reviews:rate", args=[film.pk]), {"stars": ""}, **HTMX)
    assert not Rating.objects.exists()


def test_bad_stars_are_a_400_and_change_nothing(client, alice, film):
    response = login(client, alice).post(reverse("reviews:rate", args=[film.pk]), {"stars": "7"})
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_aspect_ratings_from_the_widget(client, alice, film):
    login(client, alice).post(
        reverse("reviews:rate", args=[film.pk]), {"story": "4.5", "acting": "", "visuals": "3", "music": ""}, **HTMX
    )
    rating = Rating.objects.get()
    assert (rating.stars, float(rating.story), float(rating.visuals)) == (None, 4.5, 3.0)


@pytest.mark.parametrize("name", ["rate", "like", "watchlist_toggle", "review_like" if False else "like"])
def test_film_actions_refuse_get(client, alice, film, name):
    assert login(client, alice).get(reverse(f"reviews:{name}", args=[film.pk])).status_code == 405


def test_like_toggle_view(client, alice, film):
    login(client, alice)
    response = client.post(reverse("reviews:like", args=[film.pk]), **HTMX)
    assert 'class="like on"' in response.content.decode()
    assert Rating.objects.get().liked


def test_watchlist_button(client, alice, film):
    login(client, alice)
    response = client.post(reverse("reviews:watchlist_toggle", args=[film.pk]), **HTMX)
    assert "On watchlist" in response.content.decode()
    assert WatchlistEntry.objects.filter(user=alice).count() == 1
    client.post(reverse("reviews:watchlist_toggle", args=[film.pk]))
    assert not WatchlistEntry.objects.exists()


def test_watchlist_edit_only_own_entry(client, alice, bob, film):
    services.watchlist_add(user=alice, film=film)
    response = login(client, bob).post(reverse("reviews:watchlist_edit", args=[film.pk]), {"priority": 3})
    assert response.status_code == 404
    login(client, alice).post(reverse("reviews:watchlist_edit", args=[film.pk]), {"priority": 3, "note": "x"})
    assert WatchlistEntry.objects.get().priority == 3


# --- reviews ------------------------------------------------------------------------------------------


def test_review_text_is_escaped_with_paragraphs(client, alice, film):
    review = services.review_create(user=alice, film=film, text="<script>alert(1)</script>\n\nSecond para")
    html = client.get(reverse("reviews:review_detail", args=[review.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<p>Second para</p>" in html


def test_spoiler_reviews_are_hidden_until_clicked(client, alice, film):
    services.review_create(user=alice, film=film, text="He was dead all along", contains_spoilers=True)
    html = client.get(reverse("reviews:film_reviews", args=[film.pk])).content.decode()
    assert '<details class="spoiler">' in html and 'class="spoiler-body"' in html


def test_film_reviews_sorts_and_htmx_partial(client, alice, bob, film):
    services.rating_set(user=alice, film=film, stars=1)
    services.review_create(user=alice, film=film, text="Low")
    services.rating_set(user=bob, film=film, stars=5)
    services.review_create(user=bob, film=film, text="High")
    html = client.get(reverse("reviews:film_reviews", args=[film.pk]) + "?sort=highest", **HTMX).content.decode()
    assert html.index("High") < html.index("Low") and "<html" not in html
    html = client.get(reverse("reviews:film_reviews", args=[film.pk]) + "?sort=lowest").content.decode()
    assert html.index("Low") < html.index("High") and "<html" in html


def test_review_new_edit_delete_by_author_only(client, alice, bob, film):
    response = client.get(reverse("reviews:review_new", args=[film.pk]))
    assert response.status_code == 302  # anonymous
    login(client, alice)
    response = client.post(reverse("reviews:review_new", args=[film.pk]), {"text": "Mine"})
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()

    login(client, bob)
    assert client.get(reverse("reviews:review_edit", args=[review.pk])).status_code == 403
    assert client.post(reverse("reviews:review_edit", args=[review.pk]), {"text": "Hacked"}).status_code == 403
    assert client.post(reverse("reviews:review_delete", args=[review.pk])).status_code == 403
    assert Review.objects.get().text == "Mine"

    login(client, alice)
    assert client.get(reverse("reviews:review_delete", args=[review.pk])).status_code == 405
    client.post(reverse("reviews:review_edit", args=[review.pk]), {"text": "Mine, edited", "contains_spoilers": "on"})
    review.refresh_from_db()
    assert review.text == "Mine, edited" and review.contains_spoilers
    client.post(reverse("reviews:review_delete", args=[review.pk]))
    assert not Review.objects.exists()


def test_review_like_view(client, alice, bob, film):
    review = services.review_create(user=alice, film=film, text="Good")
    url = reverse("reviews:review_like", args=[review.pk])
    assert client.post(url).status_code == 302 and Review.objects.get().like_count == 0  # anonymous
    assert login(client, alice).post(url).status_code == 400  # own review
    response = login(client, bob).post(url, **HTMX)
    assert "♥ 1" in response.content.decode()


# --- diary --------------------------------------------------------------------------------------------


def test_diary_log_form(client, alice, film):
    login(client, alice)
    assert client.get(reverse("reviews:diary_log", args=[film.pk])).status_code == 200
    response = client.post(
        reverse("reviews:diary_log", args=[film.pk]),
        {"watched_on": "2024-03-02", "stars": "4.5", "tags": "cinema, 35mm", "review_text": "Lovely", "rewatch": "on"},
    )
    assert response.status_code == 302
    entry = alice.diary_entries.get()
    assert entry.rewatch and entry.tags == ["cinema", "35mm"] and entry.review.text == "Lovely"


def test_diary_pages_hide_private_entries_from_others(client, alice, bob):
    public = make_film("Public film")
    secret = make_film("Secret film")
    services.diary_log(user=alice, film=public, watched_on=datetime.date(2024, 2, 1))
    services.diary_log(user=alice, film=secret, watched_on=datetime.date(2024, 2, 2), is_private=True)
    url = reverse("reviews:diary_month", args=["alice", 2024, 2])
    html = login(client, bob).get(url).content.decode()
    assert "Public film" in html and "Secret film" not in html
    html = client.get(reverse("reviews:diary", args=["alice"])).content.decode()
    assert "Secret film" not in html
    html = login(client, alice).get(url).content.decode()
    assert "Secret film" in html
    assert client.get(reverse("reviews:diary_month", args=["alice", 2024, 13])).status_code == 400
    assert client.post(url).status_code == 405


def test_diary_delete_owner_only(client, alice, bob, film):
    entry = services.diary_log(user=alice, film=film, watched_on=datetime.date(2024, 1, 1))
    private = services.diary_log(user=alice, film=film, watched_on=datetime.date(2024, 1, 2), is_private=True)
    assert login(client, bob).post(reverse("reviews:diary_delete", args=[entry.pk])).status_code == 403
    assert client.post(reverse("reviews:diary_delete", args=[private.pk])).status_code == 404
    hidden = services.diary_log(user=alice, film=film, watched_on=datetime.date(2024, 1, 3), is_private=False)
    DiaryEntry.objects.filter(pk=hidden.pk).update(is_hidden=True)  # as while alice is suspended
    assert client.post(reverse("reviews:diary_delete", args=[hidden.pk])).status_code == 404  # not even "exists"
    login(client, alice).post(reverse("reviews:diary_delete", args=[entry.pk]))
    assert alice.diary_entries.count() == 2  # the private and the hidden entry


# --- lists --------------------------------------------------------------------------------------------


def test_private_list_is_404_for_others_and_anonymous(client, alice, bob, film):
    film_list = services.list_create(user=alice, title="Secret", is_public=False)
    services.list_add(film_list=film_list, film=film)
    url = film_list.get_absolute_url()
    assert client.get(url).status_code == 404
    assert login(client, bob).get(url).status_code == 404
    assert "Secret" not in client.get(reverse("reviews:lists", args=["alice"])).content.decode()
    assert client.post(reverse("reviews:list_edit", args=[film_list.pk]), {"title": "x"}).status_code == 404
    assert login(client, alice).get(url).status_code == 200


def test_public_list_shows_seen_progress(client, alice, bob):
    films = [make_film(f"Film {n}") for n in range(3)]
    film_list = services.list_create(user=alice, title="Three")
    for film in films:
        services.list_add(film_list=film_list, film=film)
    services.rating_set(user=bob, film=films[0], stars=3)
    services.diary_log(user=bob, film=films[2], watched_on=datetime.date(2024, 1, 1))
    html = login(client, bob).get(film_list.get_absolute_url()).content.decode()
    assert "You've seen 2 of 3" in html
    assert "data-reorder-url" not in html
    assert client.post(reverse("reviews:list_edit", args=[film_list.pk]), {"title": "Mine now"}).status_code == 403


def test_list_create_edit_reorder_and_delete(client, alice, film):
    other = make_film("Other")
    login(client, alice)
    response = client.post(reverse("reviews:list_new"), {"title": "Faves", "is_public": "on", "film": film.pk})
    film_list = alice.film_lists.get()
    assert response["Location"] == film_list.get_absolute_url()
    client.post(reverse("reviews:list_add"), {"list": film_list.pk, "film": other.pk})
    response = client.post(
        reverse("reviews:list_reorder", args=[film_list.pk]),
        data=json.dumps({"films": [other.pk, film.pk]}),
        content_type="application/json",
    )
    assert response.json() == {"ok": True}
    assert list(FilmListEntry.objects.order_by("position").values_list("film_id", flat=True)) == [other.pk, film.pk]
    # Without JavaScript: position fields and notes on the edit form.
    client.post(
        reverse("reviews:list_edit", args=[film_list.pk]),
        {
            "title": "Faves",
            "is_public": "on",
            f"position-{film.pk}": "1",
            f"position-{other.pk}": "2",
            f"note-{film.pk}": "First!",
        },
    )
    entries = list(FilmListEntry.objects.order_by("position"))
    assert [e.film_id for e in entries] == [film.pk, other.pk] and entries[0].note == "First!"
    bad = client.post(reverse("reviews:list_reorder", args=[film_list.pk]), {"films": ["999999"]})
    assert bad.status_code == 400
    assert client.get(reverse("reviews:list_reorder", args=[film_list.pk])).status_code == 405
    client.post(reverse("reviews:list_delete", args=[film_list.pk]))
    assert not alice.film_lists.exists()


def test_list_add_into_someone_elses_list_is_refused(client, alice, bob, film):
    film_list = services.list_create(user=alice, title="Alice's")
    assert (
        login(client, bob).post(reverse("reviews:list_add"), {"list": film_list.pk, "film": film.pk}).status_code == 403
    )
    assert not FilmListEntry.objects.exists()


# --- profile, follow, feed, stats ---------------------------------------------------------------------


def test_profile_and_follow_flow(client, alice, bob, film):
    services.rating_set(user=alice, film=film, stars=4)
    assert client.get(reverse("reviews:profile", args=["alice"])).status_code == 200
    assert client.get(reverse("reviews:profile", args=["nobody"])).status_code == 404
    follow_url = reverse("reviews:follow", args=["alice"])
    assert client.post(follow_url).status_code == 302 and not bob.following.exists()  # anonymous
    login(client, bob)
    assert client.get(follow_url).status_code == 405
    response = client.post(follow_url, {"action": "follow"}, **HTMX)
    assert "Following" in response.content.decode()
    assert bob.following.filter(followed=alice).exists()
    html = client.get(reverse("reviews:feed")).content.decode()
    assert "Alien" in html
    client.post(follow_url, {"action": "unfollow"})
    assert not bob.following.exists()
    assert login(client, alice).post(follow_url, {"action": "follow"}).status_code == 400


def test_feed_needs_login(client):
    response = client.get(reverse("reviews:feed"))
    assert response.status_code == 302


def test_stats_page_renders_svg(client, alice, film):
    services.rating_set(user=alice, film=film, stars=4)
    services.diary_log(user=alice, film=film, watched_on=datetime.date(2023, 6, 1))
    html = client.get(reverse("reviews:stats", args=["alice"])).content.decode()
    assert html.count("<svg") >= 3 and "1970s" in html


def test_favourites_edit(client, alice, bob, film):
    services.rating_set(user=alice, film=film, stars=5)
    stranger = make_film("Not rated")
    login(client, alice)
    assert client.get(reverse("reviews:favourites_edit")).status_code == 200
    client.post(reverse("reviews:favourites_edit"), {"film1": film.pk, "film2": stranger.pk})
    assert list(alice.favourite_films.values_list("film_id", flat=True)) == [film.pk]
    assert "Alien" in client.get(reverse("reviews:profile", args=["alice"])).content.decode()


def test_watchlist_page(client, alice, bob, film):
    services.watchlist_add(user=alice, film=film, note="Halloween", note_public=True)
    html = client.get(reverse("reviews:watchlist", args=["alice"]) + "?sort=priority").content.decode()
    assert "Alien" in html and "Halloween" in html
    assert client.post(reverse("reviews:watchlist", args=["alice"])).status_code == 405


def test_member_pages_for_unknown_member_are_404(client):
    for name in ("profile", "diary", "watchlist", "lists", "stats"):
        assert client.get(reverse(f"reviews:{name}", args=["ghost"])).status_code == 404


def test_imported_members_have_no_profile_link_in_reviews(client, film):
    imported = make_member("imdb-pos-1", imported_from="imdb", external_id="pos-1")
    services.review_create(user=imported, film=film, text="From IMDb")
    html = client.get(reverse("reviews:film_reviews", args=[film.pk])).content.decode()
    assert "IMDB audience" in html

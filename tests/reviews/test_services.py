from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Film
from reviews import selectors, services
from reviews.models import Activity, DiaryEntry, Rating, Review, WatchlistEntry
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db


def test_rating_set_change_and_clear_keep_film_stats_right(alice, bob, film):
    services.rating_set(user=alice, film=film, stars="4.5")
    services.rating_set(user=bob, film=film, stars=3)
    film.refresh_from_db()
    assert (film.rating_count, film.rating_mean) == (2, pytest.approx(3.75))

    services.rating_set(user=alice, film=film, stars="2")
    film.refresh_from_db()
    assert film.rating_mean == pytest.approx(2.5)

    services.rating_clear(user=bob, film=film)
    film.refresh_from_db()
    assert (film.rating_count, film.rating_mean) == (1, pytest.approx(2.0))
    assert not Rating.objects.filter(user=bob, film=film).exists()


@pytest.mark.parametrize("stars", ["0", "5.5", "3.25", "-1", "abc", "NaN", "Infinity"])
def test_it_rejects_stars_outside_half_steps(alice, film, stars):
    with pytest.raises(ValidationError):
        services.rating_set(user=alice, film=film, stars=stars)
    assert not Rating.objects.exists()


def test_clearing_stars_keeps_a_like(alice, film):
    services.rating_set(user=alice, film=film, stars="3.5")
    assert services.like_toggle(user=alice, film=film) is True
    services.rating_clear(user=alice, film=film)
    rating = Rating.objects.get(user=alice, film=film)
    assert rating.stars is None and rating.liked
    assert services.like_toggle(user=alice, film=film) is False
    assert not Rating.objects.exists()
    assert not Activity.objects.exists()


def test_aspect_ratings_are_stored_and_validated(alice, film):
    services.rating_set(user=alice, film=film, stars=4, aspects={"story": "4.5", "music": None})
    rating = Rating.objects.get()
    assert rating.story == Decimal("4.5") and rating.music is None
    with pytest.raises(ValidationError):
        services.rating_set(user=alice, film=film, stars=4, aspects={"plot_twists": 3})
    with pytest.raises(ValidationError):
        services.rating_set(user=alice, film=film, stars=4, aspects={"acting": "7"})


def test_rerating_replaces_the_activity_instead_of_adding_one(alice, film):
    for stars in ("1", "2", "3"):
        services.rating_set(user=alice, film=film, stars=stars)
    activity = Activity.objects.get()
    assert activity.kind == Activity.Kind.RATED and activity.stars == Decimal("3")


def test_diary_log_sets_rating_review_and_tags(alice, film):
    entry = services.diary_log(
        user=alice,
        film=film,
        watched_on=datetime.date(2024, 5, 1),
        stars="4",
        liked=True,
        rewatch=True,
        tags=["Cinema", "cinema", " with  friends "],
        review_text="Great.\n\nReally.",
    )
    assert entry.tags == ["cinema", "with friends"]
    assert entry.review.text == "Great.\n\nReally." and entry.review.stars == Decimal("4")
    rating = Rating.objects.get(user=alice, film=film)
    assert rating.stars == Decimal("4") and rating.liked


def test_diary_refuses_future_dates(alice, film):
    with pytest.raises(ValidationError):
        services.diary_log(user=alice, film=film, watched_on=datetime.date.today() + datetime.timedelta(days=5))


def test_private_diary_entries_make_no_activity_and_are_hidden_from_others(alice, bob, film):
    services.diary_log(user=alice, film=film, watched_on=datetime.date(2024, 1, 2), is_private=True)
    services.diary_log(user=alice, film=film, watched_on=datetime.date(2024, 1, 3))
    assert Activity.objects.filter(kind=Activity.Kind.LOGGED).count() == 1
    assert selectors.member_diary(member=alice, viewer=bob).count() == 1
    assert selectors.member_diary(member=alice, viewer=alice).count() == 2


def test_review_likes_are_counted_and_not_self_likes(alice, bob, film):
    review = services.review_create(user=alice, film=film, text="Fine film.")
    assert services.review_like_toggle(user=bob, review=review) is True
    assert Review.objects.get().like_count == 1
    assert services.review_like_toggle(user=bob, review=review) is False
    assert Review.objects.get().like_count == 0
    with pytest.raises(ValidationError):
        services.review_like_toggle(user=alice, review=review)


def test_empty_review_is_refused(alice, film):
    with pytest.raises(ValidationError):
        services.review_create(user=alice, film=film, text="   ")


def test_watchlist_add_toggle_and_update(alice, film):
    assert services.watchlist_toggle(user=alice, film=film) is True
    entry = services.watchlist_add(user=alice, film=film, priority=3, note="Soon")
    assert WatchlistEntry.objects.count() == 1 and entry.priority == 3 and entry.note == "Soon"
    with pytest.raises(ValidationError):
        services.watchlist_update(entry=entry, priority=9, note="")
    assert services.watchlist_toggle(user=alice, film=film) is False
    assert not WatchlistEntry.objects.exists()


def test_watchlist_sorts(alice):
    old = make_film("Old", year=1950)
    new = make_film("New", year=2020)
    services.watchlist_add(user=alice, film=new, priority=1)
    services.watchlist_add(user=alice, film=old, priority=3)
    assert [e.film.title for e in selectors.member_watchlist(member=alice, sort="added")] == ["Old", "New"]
    assert [e.film.title for e in selectors.member_watchlist(member=alice, sort="priority")] == ["Old", "New"]
    assert [e.film.title for e in selectors.member_watchlist(member=alice, sort="year")] == ["Old", "New"]


def test_list_add_remove_reorder_and_move(alice):
    films = [make_film(f"Film {n}") for n in range(4)]
    film_list = services.list_create(user=alice, title="Best of")
    for film in films:
        services.list_add(film_list=film_list, film=film)
    services.list_add(film_list=film_list, film=films[0])  # already there: no duplicate
    order = lambda: [e.film.title for e in film_list.entries.order_by("position")]  # noqa: E731
    assert order() == ["Film 0", "Film 1", "Film 2", "Film 3"]
    services.list_reorder(film_list=film_list, film_ids=[films[3].pk, films[1].pk])
    assert order() == ["Film 3", "Film 1", "Film 0", "Film 2"]
    services.list_move(film_list=film_list, film=films[2], position=1)
    assert order() == ["Film 2", "Film 3", "Film 1", "Film 0"]
    services.list_remove(film_list=film_list, film=films[3])
    assert list(film_list.entries.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    with pytest.raises(ValidationError):
        services.list_reorder(film_list=film_list, film_ids=[films[3].pk])


def test_list_slugs_are_unique_per_member(alice, bob):
    assert services.list_create(user=alice, title="Noir").slug == "noir"
    assert services.list_create(user=alice, title="Noir").slug == "noir-2"
    assert services.list_create(user=bob, title="Noir").slug == "noir"
    with pytest.raises(ValidationError):
        services.list_create(user=alice, title="  ")


def test_private_list_makes_no_activity(alice, film):
    film_list = services.list_create(user=alice, title="Secret", is_public=False)
    services.list_add(film_list=film_list, film=film)
    assert not Activity.objects.filter(kind=Activity.Kind.LISTED).exists()
    services.list_update(film_list=film_list, title="Secret", description="", is_public=True)
    assert Activity.objects.filter(kind=Activity.Kind.LISTED).count() == 1


def test_follow_unfollow_and_no_self_follow(alice, bob):
    services.follow_create(follower=alice, followed=bob)
    services.follow_create(follower=alice, followed=bob)
    assert selectors.is_following(follower=alice, followed=bob)
    with pytest.raises(ValidationError):
        services.follow_create(follower=alice, followed=alice)
    assert services.follow_delete(follower=alice, followed=bob) is True
    assert not selectors.is_following(follower=alice, followed=bob)


def test_feed_shows_followed_members_only(alice, bob, film):
    carol = make_member("carol")
    services.follow_create(follower=alice, followed=bob)
    services.rating_set(user=bob, film=film, stars=5)
    services.rating_set(user=carol, film=film, stars=1)
    feed = selectors.member_feed(user=alice)
    assert [(a.user.username, a.stars) for a in feed] == [("bob", Decimal("5"))]


def test_favourites_keep_order_and_at_most_four(alice):
    films = [make_film(f"Fav {n}") for n in range(5)]
    services.favourites_set(user=alice, films=[films[2], films[0], films[2]])
    assert [f.title for f in selectors.member_favourites(member=alice)] == ["Fav 2", "Fav 0"]
    with pytest.raises(ValidationError):
        services.favourites_set(user=alice, films=films)


def test_profile_counts_and_stats(alice, bob):
    a = make_film("A", year=1994, genres=("Drama",))
    b = make_film("B", year=2001, genres=("Drama", "Comedy"))
    services.rating_set(user=alice, film=a, stars=4)
    services.diary_log(user=alice, film=b, watched_on=datetime.date.today())
    services.follow_create(follower=bob, followed=alice)
    counts = selectors.profile_counts(member=alice, viewer=bob)
    assert (counts.films, counts.this_year, counts.followers, counts.following) == (2, 1, 1, 0)
    stats = selectors.member_stats(member=alice, viewer=alice)
    assert stats.total_films == 2
    assert {bar.label: bar.value for bar in stats.top_genres} == {"Drama": 2, "Comedy": 1}
    assert [bar.label for bar in stats.decades] == ["1990s", "2000s"]
    assert sum(bar.value for bar in stats.rating_distribution) == 1


def test_deleting_a_film_list_or_review_removes_its_activity(alice, film):
    review = services.review_create(user=alice, film=film, text="Hm.")
    services.review_delete(review=review)
    assert not Activity.objects.exists()
    assert Film.objects.filter(pk=film.pk).exists()
    assert not DiaryEntry.objects.exists()


def test_the_rating_histogram_has_no_empty_half_star_gaps_for_whole_star_raters(alice):
    for n, stars in enumerate([4, 4, 5, 3]):
        services.rating_set(user=alice, film=make_film(f"W{n}"), stars=stars)
    labels = [bar.label for bar in selectors.member_stats(member=alice, viewer=alice).rating_distribution]
    assert labels == ["1.0", "2.0", "3.0", "4.0", "5.0"]
    services.rating_set(user=alice, film=make_film("H"), stars="3.5")
    labels = [bar.label for bar in selectors.member_stats(member=alice, viewer=alice).rating_distribution]
    assert len(labels) == 10 and "3.5" in labels

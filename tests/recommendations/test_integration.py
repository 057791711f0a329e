"""Where the apps meet: taste scores for the watchlist and vibe search, HTMX refresh signals, mood filters."""

from __future__ import annotations

import json

from django.urls import reverse

from recommendations.selectors import member_film_scores, member_recommendations
from reviews.selectors import member_watchlist
from reviews.sentiment.models import FilmSentimentSummary
from reviews.services import rating_set, watchlist_add
from tests.factories import make_member


def _action_fan(trained):
    member = make_member("fan")
    for film in trained["action"][:3]:
        rating_set(user=member, film=film, stars="5")
    return member


def test_member_film_scores_rank_the_members_side_higher(trained):
    member = _action_fan(trained)
    wanted = [f.pk for f in trained["action"][3:] + trained["romance"]]
    scores = member_film_scores(user=member, film_ids=wanted)
    assert set(scores) == set(wanted)
    assert all(0.0 <= value <= 1.0 for value in scores.values())
    action = [scores[f.pk] for f in trained["action"][3:]]
    romance = [scores[f.pk] for f in trained["romance"]]
    assert min(action) > max(romance)


def test_member_film_scores_is_empty_without_a_model_or_ratings(taste_world):
    member = make_member("newcomer")
    assert member_film_scores(user=member, film_ids=[taste_world["action"][0].pk]) == {}


def test_watchlist_predicted_sort_puts_the_best_fit_first(client, trained):
    member = _action_fan(trained)
    watchlist_add(user=member, film=trained["romance"][0])
    watchlist_add(user=member, film=trained["action"][5])
    entries = member_watchlist(member=member, viewer=member, sort="predicted")
    assert [e.film_id for e in entries] == [trained["action"][5].pk, trained["romance"][0].pk]
    assert entries[0].match_top_percent <= entries[1].match_top_percent
    client.force_login(member)
    page = client.get(reverse("reviews:watchlist", args=[member.username]), {"sort": "predicted"})
    assert page.status_code == 200
    assert b"for you</p>" in page.content


def test_rating_by_htmx_tells_the_page_to_refresh_recommendations(client, film, alice):
    client.force_login(alice)
    url = reverse("reviews:rate", args=[film.pk])
    response = client.post(url, {"stars": "4"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "ratingChanged" in json.loads(response["HX-Trigger"])
    plain = client.post(url, {"stars": "3.5"})
    assert "HX-Trigger" not in plain


def test_mood_filter_limits_recommendations_to_films_with_that_mood(client, trained):
    member = _action_fan(trained)
    tense = trained["romance"][2]
    FilmSentimentSummary.objects.create(film=tense, moods=["tense"])
    result = member_recommendations(user=member, mood="tense")
    assert [item.film_id for item in result.items] == [tense.pk]
    client.force_login(member)
    page = client.get(reverse("recommendations:page"), {"mood": "tense"})
    assert page.status_code == 200
    assert page.context["mood"] == "tense"
    assert [item.film_id for item in page.context["result"].items] == [tense.pk]


def test_browse_filters_by_mood(client, taste_world):
    melancholic = taste_world["romance"][1]
    FilmSentimentSummary.objects.create(film=melancholic, moods=["melancholic"])
    page = client.get(reverse("catalog:browse"), {"mood": "melancholic"})
    assert page.status_code == 200
    assert [film.pk for film in page.context["page"].object_list] == [melancholic.pk]
    unknown = client.get(reverse("catalog:browse"), {"mood": "<script>"})
    assert unknown.status_code == 200
    assert unknown.context["filters"]["mood"] == ""

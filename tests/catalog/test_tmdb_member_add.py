"""Members' "Can't find it? Add it from TMDb": search TMDb, queue the import, open the page when ready."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Film
from cineaesthete.core.models import JobRun
from tests.catalog.tmdb_server import Reply, recorded
from tests.factories import make_film

pytestmark = pytest.mark.django_db

SEARCH = reverse("catalog:tmdb_search")
ADD = reverse("catalog:tmdb_add")


@pytest.fixture
def tmdb_search_answers(tmdb):
    tmdb.route("/3/search/movie", Reply(body=recorded("search_movie_matrix.json")))
    return tmdb


def test_the_search_page_offers_tmdb_to_members_only(client, alice, tmdb):
    make_film("Matrix", year=1999)
    assert "Can't find it?" not in client.get(reverse("catalog:search"), {"q": "matrix"}).content.decode()
    client.force_login(alice)
    assert "Can't find it?" in client.get(reverse("catalog:search"), {"q": "matrix"}).content.decode()


def test_tmdb_results_mark_the_films_we_have(client, alice, tmdb_search_answers):
    make_film("The Matrix", year=1999, tmdb_id=603)
    client.force_login(alice)
    hits = client.get(SEARCH, {"q": "matrix"}).context["hits"]
    assert [(hit.tmdb_id, hit.year, hit.film_id is not None) for hit in hits] == [
        (603, 1999, True),
        (604, 2003, False),
        (684431, None, False),
    ]
    assert tmdb_search_answers.seen[-1].query["query"] == "matrix"
    page = client.get(SEARCH, {"q": "matrix"}, headers={"HX-Request": "true"}).content.decode()
    assert page.startswith('<div id="tmdb-results">') and "On CineAesthete" in page and "Add it" in page


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_queued(client, tmdb):
    assert client.get(SEARCH, {"q": "matrix"}).status_code == 302
    assert client.post(ADD, {"tmdb_id": "604"}).status_code == 302
    assert not JobRun.objects.exists() and tmdb.seen == []


def test_wrong_methods_are_refused(client, alice, tmdb):
    client.force_login(alice)
    assert client.get(ADD).status_code == 405
    assert client.post(SEARCH, {"q": "x"}).status_code == 405


@pytest.mark.parametrize("tmdb_id", ["", "abc", "-1", "0", "1\x00", "9" * 40])
def test_hostile_ids_are_refused_and_nothing_is_written(client, alice, tmdb, tmdb_id):
    client.force_login(alice)
    assert client.post(ADD, {"tmdb_id": tmdb_id}).status_code == 400
    assert not JobRun.objects.exists() and not Film.objects.exists()


def test_a_hostile_query_is_refused(client, alice, tmdb):
    client.force_login(alice)
    assert client.get(SEARCH, {"q": "matrix\x00"}).status_code == 400
    assert tmdb.seen == []


def test_adding_queues_one_import_and_the_member_follows_it_to_the_film(client, alice, bob, tmdb, settings):
    configuration = recorded("configuration.json")
    tmdb.route("/3/configuration", Reply(body=configuration))
    tmdb.route("/3/movie/603", Reply(body=recorded("movie_603.json")))
    client.force_login(alice)
    response = client.post(ADD, {"tmdb_id": "603"})
    job = JobRun.objects.get()
    assert response.url == reverse("catalog:tmdb_import", args=[job.pk])
    status = client.get(response.url, headers={"HX-Request": "true"})
    assert status.status_code == 200 and 'hx-trigger="every 2s"' in status.content.decode()

    client.force_login(bob)  # another member cannot watch (or learn about) alice's import
    assert client.get(response.url).status_code == 404

    from catalog.tasks import import_tmdb_film

    import_tmdb_film.fn(job_id=job.pk, tmdb_id=603)  # what the worker runs
    client.force_login(alice)
    film = Film.objects.get(tmdb_id=603)
    done = client.get(response.url, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Redirect"] == film.get_absolute_url()
    assert client.get(response.url).url == film.get_absolute_url()
    # Adding it again goes straight to its page.
    assert client.post(ADD, {"tmdb_id": "603"}).url == film.get_absolute_url()


def test_a_member_can_queue_only_so_many_imports_an_hour(client, alice, tmdb):
    client.force_login(alice)
    statuses = [client.post(ADD, {"tmdb_id": str(1000 + n)}).status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]
    assert JobRun.objects.count() == 10


def test_without_a_key_members_are_told_plainly(client, alice, settings):
    settings.TMDB_API_KEY = settings.TMDB_READ_TOKEN = ""
    client.force_login(alice)
    assert "TMDb is not configured on this site" in client.get(SEARCH, {"q": "matrix"}).content.decode()
    assert client.post(ADD, {"tmdb_id": "603"}).status_code == 400

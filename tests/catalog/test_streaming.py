"""Where to stream: TMDb's watch providers through the real client against a local stand-in server."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from catalog.models import FilmAvailability, FilmProvidersFetch, FilmWatchRegion, MemberService, WatchProvider
from catalog.selectors import country_from_accept_language, film_browse, viewer_country
from catalog.services.streaming import (
    ProvidersPayloadError,
    availability_listener_register,
    film_providers_refresh,
    film_providers_refresh_queue,
    member_services_set,
    providers_list_refresh,
)
from catalog.tasks import refresh_film_providers
from catalog.tmdb.client import TMDbAuthError, TMDbError
from tests.factories import make_film, make_member
from tests.streaming_stand_in import recorded

pytestmark = pytest.mark.django_db


@pytest.fixture
def matrix(db):
    return make_film("The Matrix", year=1999, tmdb_id=603)


def _offers(film):
    return set(FilmAvailability.objects.filter(film=film).values_list("country", "provider_id", "kind"))


def test_refresh_stores_every_country_kind_and_link(tmdb_stand_in, matrix):
    tmdb_stand_in.answer("/movie/603/watch/providers", recorded("watch_providers_603.json"))
    result = film_providers_refresh(film_id=matrix.pk)
    assert result.status == "refreshed"
    offers = _offers(matrix)
    assert ("US", 8, "flatrate") in offers and ("US", 73, "ads") in offers and ("DE", 1773, "free") in offers
    assert ("GB", 2, "rent") in offers and ("GB", 2, "buy") in offers
    assert len(offers) == 10
    assert WatchProvider.objects.get(pk=8).logo_path == "/pbpMk2JmcoNnQwx5JGpXngfoWtp.jpg"
    assert FilmWatchRegion.objects.get(film=matrix, country="US").link.endswith("watch?locale=US")
    assert FilmProvidersFetch.objects.get(film=matrix).fetched_at is not None
    assert tmdb_stand_in.requests[0] == ("/3/movie/603/watch/providers", {"api_key": ["test-key"]})


def test_a_second_refresh_reports_what_changed_and_is_safe_to_repeat(tmdb_stand_in, matrix):
    payload = recorded("watch_providers_603.json")
    tmdb_stand_in.answer("/movie/603/watch/providers", payload)
    film_providers_refresh(film_id=matrix.pk)
    assert film_providers_refresh(film_id=matrix.pk).added == []
    del payload["results"]["DE"]
    payload["results"]["US"]["flatrate"].append(
        {"logo_path": "/x.jpg", "provider_id": 337, "provider_name": "Disney Plus", "display_priority": 1}
    )
    tmdb_stand_in.answer("/movie/603/watch/providers", payload)
    result = film_providers_refresh(film_id=matrix.pk)
    assert result.added == [("US", 337, "flatrate")]
    assert result.removed == [("DE", 1773, "free")]
    assert ("DE", 1773, "free") not in _offers(matrix)
    assert not FilmWatchRegion.objects.filter(film=matrix, country="DE").exists()


def test_listeners_hear_of_new_offers_after_commit(tmdb_stand_in, matrix, django_capture_on_commit_callbacks):
    heard = []
    availability_listener_register(lambda film_id, added: heard.append((film_id, added)))
    tmdb_stand_in.answer("/movie/603/watch/providers", recorded("watch_providers_603.json"))
    with django_capture_on_commit_callbacks(execute=True):
        film_providers_refresh(film_id=matrix.pk)
    assert heard and heard[-1][0] == matrix.pk and ("US", 8, "flatrate") in heard[-1][1]


def test_a_film_tmdb_deleted_keeps_no_providers(tmdb_stand_in, matrix):
    tmdb_stand_in.answer("/movie/603/watch/providers", recorded("watch_providers_603.json"))
    film_providers_refresh(film_id=matrix.pk)
    tmdb_stand_in.routes.clear()  # the stand-in answers 404 like TMDb for a deleted film
    assert film_providers_refresh(film_id=matrix.pk).status == "not-on-tmdb"
    assert _offers(matrix) == set()


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_errors_propagate_for_the_job_to_retry_and_store_nothing(tmdb_stand_in, matrix, status):
    tmdb_stand_in.answer("/movie/603/watch/providers", {"status_code": 25}, status=status)
    with pytest.raises(TMDbError):
        film_providers_refresh(film_id=matrix.pk)
    assert _offers(matrix) == set()


def test_an_invalid_key_is_an_auth_error(tmdb_stand_in, matrix):
    tmdb_stand_in.answer("/movie/603/watch/providers", {"status_code": 7}, status=401)
    with pytest.raises(TMDbAuthError):
        film_providers_refresh(film_id=matrix.pk)


@pytest.mark.parametrize(
    "body",
    [
        '{"id": 603, "results": []}',
        '{"id": 603, "results": {"US": {"flatrate": {"provider_id": 8}}}}',
        '{"id": 603, "results": {"US": {"flatrate": [{"provider_id": "8", "provider_name": "Netflix"}]}}}',
        '{"id": 603, "results": {"US": {"flatrate": [{"provider_id": 8}]}}}',
    ],
)
def test_malformed_answers_are_refused_whole(tmdb_stand_in, matrix, body):
    tmdb_stand_in.answer("/movie/603/watch/providers", body)
    with pytest.raises(ProvidersPayloadError):
        film_providers_refresh(film_id=matrix.pk)
    assert _offers(matrix) == set()


def test_malformed_json_is_a_tmdb_error(tmdb_stand_in, matrix):
    tmdb_stand_in.answer("/movie/603/watch/providers", '{"id": 603, "results": {')
    with pytest.raises(TMDbError):
        film_providers_refresh(film_id=matrix.pk)


def test_unknown_countries_and_kinds_are_skipped(tmdb_stand_in, matrix):
    payload = {"id": 603, "results": {"XX": {"flatrate": []}, "US": {"link": "javascript:alert(1)", "lease": []}}}
    tmdb_stand_in.answer("/movie/603/watch/providers", payload)
    assert film_providers_refresh(film_id=matrix.pk).status == "refreshed"
    assert not FilmWatchRegion.objects.filter(film=matrix).exists()


def test_without_a_key_nothing_is_fetched_or_queued(tmdb_off, matrix):
    assert film_providers_refresh(film_id=matrix.pk).status == "not-configured"
    assert film_providers_refresh_queue(film_id=matrix.pk) is False


def test_a_stale_film_is_queued_once(tmdb_stand_in, matrix, stub_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert film_providers_refresh_queue(film_id=matrix.pk) is True
        assert film_providers_refresh_queue(film_id=matrix.pk) is False  # already queued
    assert stub_broker.queues["default"].qsize() == 1
    FilmProvidersFetch.objects.filter(film=matrix).update(fetched_at=timezone.now(), queued_at=None)
    assert film_providers_refresh_queue(film_id=matrix.pk) is False  # fresh
    FilmProvidersFetch.objects.filter(film=matrix).update(fetched_at=timezone.now() - datetime.timedelta(days=30))
    assert film_providers_refresh_queue(film_id=matrix.pk) is True  # stale again


@pytest.mark.django_db(transaction=True)
def test_the_refresh_actor_runs_from_a_json_message(tmdb_stand_in, matrix, stub_broker, stub_worker):
    tmdb_stand_in.answer("/movie/603/watch/providers", recorded("watch_providers_603.json"))
    refresh_film_providers.send(*json.loads(json.dumps([matrix.pk])))
    stub_broker.join("default")
    stub_worker.join()
    assert ("US", 8, "flatrate") in _offers(matrix)


def test_provider_list_for_a_country(tmdb_stand_in):
    tmdb_stand_in.answer("/watch/providers/movie", recorded("provider_list_us.json"))
    assert providers_list_refresh(country="us") == 4
    assert tmdb_stand_in.requests[0][1]["watch_region"] == ["US"]
    assert WatchProvider.objects.get(pk=1899).name == "Max"
    with pytest.raises(ValidationError, match="Unknown country"):
        providers_list_refresh(country="ZZ")


# --- country ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "country"),
    [
        ("en-US,en;q=0.9", "US"),
        ("fr-FR", "FR"),
        ("zh-Hant-TW", "TW"),
        ("de", None),
        ("en-ZZ", None),
        ("", None),
        ("\x00" * 1000, None),
    ],
)
def test_country_from_accept_language(header, country):
    assert country_from_accept_language(header) == country


def test_viewer_country_prefers_the_members_own(settings, alice):
    settings.STREAMING_DEFAULT_COUNTRY = "GB"
    alice.country = "DE"
    assert viewer_country(user=alice, accept_language="en-US") == "DE"
    alice.country = ""
    assert viewer_country(user=alice, accept_language="en-US") == "US"
    assert viewer_country(user=alice, accept_language="en") == "GB"


# --- members' services --------------------------------------------------------------------------------


@pytest.fixture
def us_providers(tmdb_stand_in):
    tmdb_stand_in.answer("/watch/providers/movie", recorded("provider_list_us.json"))
    providers_list_refresh(country="US")


def test_member_services_are_replaced(alice, us_providers):
    member_services_set(user=alice, provider_ids=["8", "1899"], country="US")
    member_services_set(user=alice, provider_ids=["8", 73], country="US")
    assert set(MemberService.objects.filter(user=alice).values_list("provider_id", flat=True)) == {8, 73}


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["8", "abc"], "not a streaming service id"),
        (["8", "-1"], "not a streaming service id"),
        (["8\x00"], "not a streaming service id"),
        (["99999"], "Not a service offered"),
        (["8", "1" * 40], "not a streaming service id"),
    ],
)
def test_bad_service_ids_are_refused_and_nothing_changes(alice, us_providers, ids, message):
    member_services_set(user=alice, provider_ids=["8"], country="US")
    with pytest.raises(ValidationError, match=message):
        member_services_set(user=alice, provider_ids=ids, country="US")
    assert list(MemberService.objects.filter(user=alice).values_list("provider_id", flat=True)) == [8]


def test_a_provider_from_another_country_is_refused(alice, us_providers):
    WatchProvider.objects.create(id=500, name="Only in Japan")
    with pytest.raises(ValidationError, match="Not a service offered in United States"):
        member_services_set(user=alice, provider_ids=["500"], country="US")


def test_an_unknown_country_is_refused(alice):
    with pytest.raises(ValidationError, match="Unknown country"):
        member_services_set(user=alice, provider_ids=[], country="QQ")


def test_settings_page_saves_services(client, alice, us_providers):
    client.force_login(alice)
    url = reverse("catalog:streaming_services")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US")
    assert page.status_code == 200 and b"Netflix" in page.content and b"JustWatch" in page.content
    response = client.post(url, {"provider": ["8", "73"]}, HTTP_ACCEPT_LANGUAGE="en-US")
    assert response.status_code == 302
    assert set(MemberService.objects.filter(user=alice).values_list("provider_id", flat=True)) == {8, 73}


@pytest.mark.parametrize("bad", ["abc", "99999", "8\x00", "9" * 50])
def test_settings_page_refuses_hostile_ids_with_400(client, alice, us_providers, bad):
    client.force_login(alice)
    response = client.post(reverse("catalog:streaming_services"), {"provider": [bad]}, HTTP_ACCEPT_LANGUAGE="en-US")
    assert response.status_code == 400
    assert not MemberService.objects.filter(user=alice).exists()


def test_settings_page_sets_the_members_country(client, alice, us_providers):
    client.force_login(alice)
    url = reverse("catalog:streaming_services")
    assert b"Germany" in client.get(url, HTTP_ACCEPT_LANGUAGE="de-DE").content  # until the member says
    response = client.post(url, {"country": "us"}, HTTP_ACCEPT_LANGUAGE="de-DE")
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.country == "US"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de-DE")
    assert b'<option value="US" selected>' in page.content and b"Netflix" in page.content


@pytest.mark.parametrize("bad", ["QQ", "", "U\x00", "US" * 40, "\u00dc\u00c9"])
def test_settings_page_refuses_a_hostile_country_with_400(client, alice, bad):
    client.force_login(alice)
    response = client.post(reverse("catalog:streaming_services"), {"country": bad})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.country == ""


def test_settings_page_needs_a_login_and_get_or_post(client, alice):
    url = reverse("catalog:streaming_services")
    assert client.get(url).status_code == 302
    client.force_login(alice)
    assert client.put(url).status_code == 405


def test_settings_page_without_a_key_says_what_a_key_adds(client, alice, tmdb_off):
    client.force_login(alice)
    assert b"TMDB_API_KEY" in client.get(reverse("catalog:streaming_services")).content


# --- film page --------------------------------------------------------------------------------------


@pytest.fixture
def matrix_offers(tmdb_stand_in, matrix, us_providers):
    tmdb_stand_in.answer("/movie/603/watch/providers", recorded("watch_providers_603.json"))
    film_providers_refresh(film_id=matrix.pk)
    return matrix


def test_film_page_puts_the_members_services_first(client, alice, matrix_offers):
    member_services_set(user=alice, provider_ids=["1899"], country="US")
    client.force_login(alice)
    html = client.get(matrix_offers.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert html.index("Stream on your services") < html.index("Max") < html.index("Subscription")
    assert "https://image.tmdb.org/t/p/w92/pbpMk2JmcoNnQwx5JGpXngfoWtp.jpg" in html
    assert "JustWatch" in html and "watch?locale=US" in html


def test_visitors_see_their_browser_country(client, matrix_offers):
    html = client.get(matrix_offers.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "SkyShowtime" in html and "Netflix" not in html and "in Germany" in html
    response = client.get(matrix_offers.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-GB")
    assert "Google Play Movies" in response.content.decode()
    assert "Accept-Language" in response["Vary"]


def test_a_stale_film_page_queues_a_refresh_and_does_not_wait(
    client, tmdb_stand_in, matrix, stub_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(matrix.get_absolute_url())
    assert response.status_code == 200
    assert b"has not been fetched yet" in response.content
    assert tmdb_stand_in.requests == []  # nothing fetched during the request
    assert stub_broker.queues["default"].qsize() == 1


def test_film_page_without_a_key_says_what_a_key_would_add(client, tmdb_off, matrix):
    assert b"TMDB_API_KEY" in client.get(matrix.get_absolute_url()).content


# --- browse ---------------------------------------------------------------------------------------


def test_browse_on_my_services_and_free(client, alice, matrix_offers):
    other = make_film("Not Streaming", year=1999)
    member_services_set(user=alice, provider_ids=["8"], country="US")
    assert list(film_browse(streaming="mine", country="US", service_ids=[8])) == [matrix_offers]
    assert list(film_browse(streaming="mine", country="US", service_ids=[2])) == []  # rent is not streaming
    assert list(film_browse(streaming="free", country="US")) == [matrix_offers]
    assert list(film_browse(streaming="free", country="GB")) == []
    assert other in film_browse(streaming="", country="US")
    client.force_login(alice)
    response = client.get(reverse("catalog:browse"), {"streaming": "mine"}, HTTP_ACCEPT_LANGUAGE="en-US")
    assert list(response.context["page"].object_list) == [matrix_offers]


def test_browse_ignores_unknown_streaming_values_and_mine_for_visitors(client, matrix_offers):
    make_film("Not Streaming", year=1999)
    for value in ("mine", "bogus", "free" * 100):
        response = client.get(reverse("catalog:browse"), {"streaming": value})
        assert response.status_code == 200 and response.context["page"].paginator.count == 2
    assert client.get(reverse("catalog:browse"), {"streaming": "free\x00"}).status_code == 400


def test_a_member_country_drives_the_filter(client, matrix_offers):
    member = make_member("dieter", country="DE")
    client.force_login(member)
    response = client.get(reverse("catalog:browse"), {"streaming": "free"}, HTTP_ACCEPT_LANGUAGE="en-US")
    assert list(response.context["page"].object_list) == [matrix_offers]

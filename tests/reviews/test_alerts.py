"""Alerts: a watchlist film arriving on a member's services, a followed director's new film; the bell,
the notifications page, and the e-mail digest (never twice, one-click unsubscribe)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.models import Credit, MemberService
from catalog.services.streaming import film_providers_refresh, films_added_announce
from reviews.models import AlertSettings, DigestDelivery, Notification, PersonFollow
from reviews.services import (
    alert_settings_update,
    digest_unsubscribe_token,
    digests_send,
    director_films_notify,
    person_follow_set,
    watchlist_add,
    watchlist_availability_notify,
)
from tests.factories import make_film, make_member, make_offer, make_person
from tests.streaming_stand_in import recorded

pytestmark = pytest.mark.django_db

NETFLIX, MAX, APPLE = 8, 1899, 2


@pytest.fixture
def matrix(db):
    return make_film("The Matrix", year=1999, tmdb_id=603)


@pytest.fixture
def watcher(matrix):
    """A US member with The Matrix on her watchlist who subscribes to Max."""
    member = make_member("wendy", country="US")
    watchlist_add(user=member, film=matrix)
    make_offer(make_film("Other"), country="US", provider_id=MAX, kind="flatrate", name="Max")
    MemberService.objects.create(user=member, provider_id=MAX)
    return member


def test_a_refresh_that_brings_the_film_to_my_service_alerts_me_once(
    tmdb_stand_in, matrix, watcher, bob, django_capture_on_commit_callbacks
):
    watchlist_add(user=bob, film=matrix)  # bob has no services: no alert
    # Wendy also has Apple TV, which only rents and sells The Matrix: no alert names it.
    make_offer(make_film("Rentable"), country="US", provider_id=APPLE, kind="rent")
    MemberService.objects.create(user=watcher, provider_id=APPLE)
    tmdb_stand_in.answer("/movie/603/watch/providers", recorded("watch_providers_603.json"))
    with django_capture_on_commit_callbacks(execute=True):
        film_providers_refresh(film_id=matrix.pk)
    alerts = list(Notification.objects.values_list("user__username", "kind", "provider_id"))
    assert alerts == [("wendy", "available", MAX)]
    with django_capture_on_commit_callbacks(execute=True):
        film_providers_refresh(film_id=matrix.pk)
    assert Notification.objects.count() == 1
    # Even if the same offers are announced again (a flapping catalogue), the unique constraint holds.
    assert watchlist_availability_notify(matrix.pk, [("US", MAX, "flatrate")]) == 0


def test_rent_buy_other_countries_and_opted_out_members_get_no_alert(matrix, watcher):
    make_offer(matrix, country="US", provider_id=APPLE, kind="rent")
    MemberService.objects.create(user=watcher, provider_id=APPLE)
    assert watchlist_availability_notify(matrix.pk, [("US", APPLE, "rent"), ("GB", MAX, "flatrate")]) == 0
    alert_settings_update(user=watcher, watchlist_available=False, director_new_film=True, digest="none")
    assert watchlist_availability_notify(matrix.pk, [("US", MAX, "flatrate")]) == 0


def test_a_member_without_a_country_uses_the_site_default(settings, matrix):
    settings.STREAMING_DEFAULT_COUNTRY = "US"
    member = make_member("nomad")
    watchlist_add(user=member, film=matrix)
    make_offer(matrix, country="US", provider_id=MAX, kind="flatrate")
    MemberService.objects.create(user=member, provider_id=MAX)
    assert watchlist_availability_notify(matrix.pk, [("US", MAX, "flatrate")]) == 1


def test_a_new_film_by_a_followed_director_alerts_followers(alice, bob, django_capture_on_commit_callbacks):
    director = make_person("Lana Wachowski")
    person_follow_set(user=alice, person=director, follow=True)
    person_follow_set(user=bob, person=director, follow=True)
    alert_settings_update(user=bob, watchlist_available=True, director_new_film=False, digest="none")
    film = make_film("Bound", year=1996)
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    with django_capture_on_commit_callbacks(execute=True):
        films_added_announce(film_ids=[film.pk])
    assert list(Notification.objects.values_list("user__username", "kind", "person_id")) == [
        ("alice", "director", director.pk)
    ]
    assert director_films_notify([film.pk]) == 0  # announced twice: still one alert


def test_bell_counts_unread_and_the_page_marks_them_read(client, alice, bob, matrix):
    for n in range(3):
        Notification.objects.create(user=alice, kind="director", event_key=f"director:1:{n}", film=matrix)
    theirs = Notification.objects.create(user=bob, kind="director", event_key="director:1:9", film=matrix)
    client.force_login(alice)
    bell = client.get(reverse("reviews:notification_bell"))
    assert b'bell-count">3<' in bell.content
    assert b'bell-count">3<' in client.get("/").content  # in the header of every page
    page = client.get(reverse("reviews:notifications"))
    assert page.status_code == 200 and page.content.count(b'class="notification unread"') == 3
    one = alice.notifications.first()
    client.post(reverse("reviews:notifications_read"), {"id": one.pk})
    assert b'bell-count">2<' in client.get(reverse("reviews:notification_bell")).content
    client.post(reverse("reviews:notifications_read"), {"id": theirs.pk})  # someone else's: nothing happens
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(reverse("reviews:notifications_read"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "notificationsRead" in response["HX-Trigger"]
    assert b"bell-count" not in client.get(reverse("reviews:notification_bell")).content


@pytest.mark.parametrize("bad", ["abc", "-1", "1\x00", "9" * 40, ""])
def test_mark_read_refuses_bad_ids(client, alice, matrix, bad):
    Notification.objects.create(user=alice, kind="director", event_key="director:1:1", film=matrix)
    client.force_login(alice)
    assert client.post(reverse("reviews:notifications_read"), {"id": bad}).status_code == 400
    assert alice.notifications.filter(read_at__isnull=True).count() == 1


def test_notification_pages_need_a_login_and_the_right_method(client, alice):
    assert client.get(reverse("reviews:notifications")).status_code == 302
    assert client.post(reverse("reviews:notifications_read")).status_code == 302
    assert b"bell-count" not in client.get(reverse("reviews:notification_bell")).content
    client.force_login(alice)
    assert client.get(reverse("reviews:notifications_read")).status_code == 405
    assert client.post(reverse("reviews:notifications")).status_code == 405


def test_alert_settings_page(client, alice):
    client.force_login(alice)
    url = reverse("reviews:alert_settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"watchlist_available": "on", "digest": "weekly"})
    assert response.status_code == 302
    saved = AlertSettings.objects.get(user=alice)
    assert (saved.watchlist_available, saved.director_new_film, saved.digest) == (True, False, "weekly")
    assert client.post(url, {"digest": "hourly"}).status_code == 400
    assert client.post(url, {"digest": "daily\x00"}).status_code == 400
    assert AlertSettings.objects.get(user=alice).digest == "weekly"


def test_follow_a_person_from_their_page(client, alice):
    director = make_person("Agnès Varda")
    client.force_login(alice)
    assert b"Follow: tell me about new films" in client.get(director.get_absolute_url()).content
    client.post(reverse("reviews:person_follow", args=[director.pk]))
    assert PersonFollow.objects.filter(user=alice, person=director).exists()
    client.post(reverse("reviews:person_follow", args=[director.pk]), {"action": "unfollow"})
    assert not PersonFollow.objects.exists()
    assert client.post(reverse("reviews:person_follow", args=[999999])).status_code == 404
    client.logout()
    assert client.post(reverse("reviews:person_follow", args=[director.pk])).status_code == 302
    assert not PersonFollow.objects.exists()


# --- digest -------------------------------------------------------------------------------------------

MONDAY = datetime.datetime(2026, 11, 30, 7, 0, tzinfo=datetime.UTC)


def test_daily_digest_is_sent_once_with_an_unsubscribe_link(alice, matrix):
    alert_settings_update(user=alice, watchlist_available=True, director_new_film=True, digest="daily")
    Notification.objects.create(user=alice, kind="director", event_key="director:1:1", film=matrix)
    assert digests_send(now=MONDAY)["sent"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "The Matrix" in message.body and "JustWatch" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digests_send(now=MONDAY)["sent"] == 0  # a rerun in the same period
    Notification.objects.create(user=alice, kind="director", event_key="director:1:2", film=matrix)
    assert digests_send(now=MONDAY)["sent"] == 0  # one digest a day
    assert digests_send(now=MONDAY + datetime.timedelta(days=1))["sent"] == 1
    assert "director:1:1" not in str(mail.outbox[1].body) and mail.outbox[1].body.count("The Matrix") == 1
    assert DigestDelivery.objects.filter(user=alice).count() == 2


def test_nothing_new_sends_nothing_and_weekly_waits_for_monday(alice, bob, matrix):
    alert_settings_update(user=alice, watchlist_available=True, director_new_film=True, digest="daily")
    alert_settings_update(user=bob, watchlist_available=True, director_new_film=True, digest="weekly")
    assert digests_send(now=MONDAY)["sent"] == 0  # alice has nothing
    Notification.objects.create(user=bob, kind="director", event_key="director:1:1", film=matrix)
    assert digests_send(now=MONDAY + datetime.timedelta(days=2))["sent"] == 0  # Wednesday
    assert digests_send(now=MONDAY + datetime.timedelta(days=7))["sent"] == 1
    assert mail.outbox[0].to == ["bob@example.com"]


def test_a_failed_send_is_retried_by_the_next_run(alice, matrix, settings):
    alert_settings_update(user=alice, watchlist_available=True, director_new_film=True, digest="daily")
    Notification.objects.create(user=alice, kind="director", event_key="director:1:1", film=matrix)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: the send fails
    assert digests_send(now=MONDAY)["failed"] == 1
    assert not DigestDelivery.objects.exists() and Notification.objects.get().emailed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digests_send(now=MONDAY)["sent"] == 1


def test_one_click_unsubscribe(client, alice):
    alert_settings_update(user=alice, watchlist_available=True, director_new_film=True, digest="daily")
    url = reverse("reviews:digest_unsubscribe", args=[digest_unsubscribe_token(user=alice)])
    assert client.get(url).status_code == 200
    assert AlertSettings.objects.get(user=alice).digest == "daily"  # a GET (a link scanner) changes nothing
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200  # no session, no CSRF token
    assert AlertSettings.objects.get(user=alice).digest == "none"


@pytest.mark.parametrize("token", ["forged", "1:abc:def", "x" * 5000, "%00"])
def test_a_forged_unsubscribe_token_is_refused(client, alice, token):
    alert_settings_update(user=alice, watchlist_available=True, director_new_film=True, digest="daily")
    response = client.post(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    assert AlertSettings.objects.get(user=alice).digest == "daily"


def test_the_digest_actor_runs_through_the_broker(alice, matrix, stub_broker, stub_worker, transactional_db):
    from reviews.tasks import send_alert_digests

    alert_settings_update(user=alice, watchlist_available=True, director_new_film=True, digest="daily")
    Notification.objects.create(user=alice, kind="director", event_key="director:1:1", film=matrix)
    send_alert_digests.send()
    stub_broker.join("default")
    stub_worker.join()
    assert Notification.objects.get().emailed_at is not None
    assert timezone.now() - Notification.objects.get().emailed_at < datetime.timedelta(days=1)

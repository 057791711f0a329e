"""Moderation: hidden content leaves every surface but its author's, suspension is reversible, reports queue up.

As in test_private_diary: alice's review, list and diary entry are hidden by staff; each surface is read by
alice herself, by bob (who follows her) and by an anonymous visitor. Only alice sees her content, with the
reason; nobody else sees its text, or its effect on counts, feeds and statistics.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from aesthetics.services import _review_texts
from reviews import moderation, selectors, services
from reviews.models import Activity, DiaryEntry, FilmList, Rating, Report, Review
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db

WORDS = "Abusive-words review text"
LIST_TITLE = "Offensive list title"
REASON = "Harassment of another member"


@pytest.fixture
def hidden(alice, bob, staff):
    """alice's review, list and diary entry, each hidden by staff."""
    film = make_film("Zardoz", year=1974)
    services.follow_create(follower=bob, followed=alice)
    entry = services.diary_log(
        user=alice, film=film, watched_on=datetime.date.today(), stars="2", review_text=WORDS, is_private=False
    )
    film_list = services.list_create(user=alice, title=LIST_TITLE, description="Words")
    services.list_add(film_list=film_list, film=film)
    moderation.content_hide(content=entry.review, reason=REASON, staff=staff)
    moderation.content_hide(content=film_list, reason=REASON, staff=staff)
    moderation.content_hide(content=entry, reason=REASON, staff=staff)
    return entry


def _client(viewer):
    client = APIClient()
    if viewer is not None:
        client.force_login(viewer)
    return client


def _text(response) -> str:
    return response.content.decode()


# Each surface answers "does the viewer see the hidden content here?".
def api_review_list(client, viewer, entry):
    return WORDS in _text(client.get("/api/reviews/")) or WORDS in _text(
        client.get(f"/api/reviews/?film={entry.film_id}")
    )


def api_review_detail(client, viewer, entry):
    return client.get(f"/api/reviews/{entry.review_id}/").status_code == 200


def review_page(client, viewer, entry):
    return client.get(reverse("reviews:review_detail", args=[entry.review_id])).status_code == 200


def film_reviews_page(client, viewer, entry):
    return WORDS in _text(client.get(reverse("reviews:film_reviews", args=[entry.film_id])))


def film_page(client, viewer, entry):
    return WORDS in _text(client.get(reverse("catalog:film_detail", args=[entry.film_id])))


def diary_page(client, viewer, entry):
    return "Zardoz" in _text(client.get(reverse("reviews:diary", args=["alice"])))


def lists_page(client, viewer, entry):
    return LIST_TITLE in _text(client.get(reverse("reviews:lists", args=["alice"])))


def list_page(client, viewer, entry):
    film_list = FilmList.objects.get(title=LIST_TITLE)
    return client.get(reverse("reviews:list_detail", args=["alice", film_list.slug])).status_code == 200


def api_lists(client, viewer, entry):
    film_list = FilmList.objects.get(title=LIST_TITLE)
    return (
        LIST_TITLE in _text(client.get("/api/lists/?owner=alice"))
        or client.get(f"/api/lists/{film_list.pk}/").status_code == 200
    )


def profile_page(client, viewer, entry):
    html = _text(client.get(reverse("reviews:profile", args=["alice"])))
    return WORDS in html or LIST_TITLE in html


def profile_counts(client, viewer, entry):
    counts = selectors.profile_counts(member=entry.user, viewer=viewer)
    return counts.reviews > 0 or counts.lists > 0 or counts.this_year > 0


def feed(client, viewer, entry):
    return any(
        a.review_id or a.film_list_id or a.kind == Activity.Kind.LOGGED for a in selectors.member_feed(user=viewer)
    )


def vibe_search_texts(client, viewer, entry):
    return any(WORDS in text for text in _review_texts([entry.film]).values())


SURFACES = {
    # surface: (seen by the author, seen by others)
    api_review_list: (True, False),
    api_review_detail: (True, False),
    review_page: (True, False),
    film_reviews_page: (True, False),
    film_page: (True, False),
    diary_page: (True, False),
    lists_page: (True, False),
    list_page: (True, False),
    api_lists: (True, False),
    profile_page: (False, False),  # recent activity leaves hidden content out for everyone
    profile_counts: (True, False),
    vibe_search_texts: (False, False),
}


@pytest.mark.parametrize("viewer", ["author", "member", "anonymous"])
@pytest.mark.parametrize("surface", SURFACES, ids=lambda surface: surface.__name__)
def test_hidden_content_is_seen_only_by_its_author(hidden, alice, bob, surface, viewer):
    member = {"author": alice, "member": bob, "anonymous": None}[viewer]
    seen_by_author, seen_by_others = SURFACES[surface]
    assert surface(_client(member), member, hidden) is (seen_by_author if viewer == "author" else seen_by_others)


def test_the_followers_feed_leaves_hidden_content_out(hidden, bob):
    assert not feed(_client(bob), bob, hidden)
    assert WORDS not in _text(_client(bob).get(reverse("reviews:feed")))


def test_the_author_sees_why_on_each_page(hidden, alice):
    client = _client(alice)
    film_list = FilmList.objects.get(title=LIST_TITLE)
    notice = f"Hidden by moderators: {REASON}"
    assert notice in _text(client.get(reverse("reviews:review_detail", args=[hidden.review_id])))
    assert notice in _text(client.get(reverse("reviews:list_detail", args=["alice", film_list.slug])))
    assert notice in _text(client.get(reverse("reviews:diary", args=["alice"])))
    review = client.get(f"/api/reviews/{hidden.review_id}/").json()
    assert (review["is_hidden"], review["hidden_reason"]) == (True, REASON)
    api_list = client.get(f"/api/lists/{film_list.pk}/").json()
    assert (api_list["is_hidden"], api_list["hidden_reason"]) == (True, REASON)


def test_others_cannot_like_or_report_hidden_content(hidden, bob):
    client = _client(bob)
    assert client.post(reverse("reviews:review_like", args=[hidden.review_id])).status_code == 404
    assert client.post(reverse("reviews:report_review", args=[hidden.review_id]), {"reason": "spam"}).status_code == 404
    film_list = FilmList.objects.get(title=LIST_TITLE)
    assert client.post(reverse("reviews:report_list", args=[film_list.pk]), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


def test_showing_again_restores_the_content(hidden, bob):
    moderation.content_show(content=Review.objects.get())
    assert api_review_detail(_client(bob), bob, hidden)
    assert not Review.objects.get().hidden_reason


def test_hiding_needs_a_reason(alice, staff, film):
    review = services.review_create(user=alice, film=film, text="Fine")
    for reason in ["", "   ", "\x00", "x" * 501]:
        with pytest.raises(ValidationError):
            moderation.content_hide(content=review, reason=reason, staff=staff)
    assert not Review.objects.get().is_hidden


# --- suspension ---------------------------------------------------------------------------------------


@pytest.fixture
def suspended(alice, bob, staff):
    film = make_film("Stalker", year=1979)
    services.rating_set(user=alice, film=film, stars="0.5")
    services.rating_set(user=bob, film=film, stars="4")
    services.review_create(user=alice, film=film, text=WORDS)
    services.list_create(user=alice, title=LIST_TITLE)
    services.follow_create(follower=bob, followed=alice)
    moderation.member_suspend(member=alice, reason="Review bombing", staff=staff)
    return film


def test_a_suspended_member_cannot_log_in_and_their_content_and_stars_leave_every_surface(suspended, alice, bob):
    alice.refresh_from_db()
    assert not alice.is_active and alice.suspended_at is not None
    assert not _client(None).login(username="alice", password="correct-horse-battery")
    assert _client(bob).get(reverse("reviews:profile", args=["alice"])).status_code == 404
    assert WORDS not in _text(_client(bob).get(reverse("catalog:film_detail", args=[suspended.pk])))
    assert LIST_TITLE not in _text(_client(None).get("/api/lists/"))
    assert selectors.member_feed(user=bob) == []
    suspended.refresh_from_db()
    assert (suspended.rating_count, suspended.rating_mean) == (1, 4.0)
    assert selectors.film_rating_summary(film=suspended).count == 1
    assert {r.hidden_reason for r in Review.objects.filter(user=alice)} == {"Account suspended: Review bombing"}


def test_a_suspended_member_who_tries_to_log_in_is_told_they_are_suspended_and_why(suspended, alice, bob, client):
    login = {"login": "alice", "password": "correct-horse-battery"}
    response = client.post(reverse("account_login"), login, follow=True)
    text = _text(response)
    assert "Account suspended" in text and "Review bombing" in text
    assert not response.wsgi_request.user.is_authenticated
    # An account deactivated for another reason says only that, even in the same browser session.
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    login = {"login": "bob", "password": "correct-horse-battery"}
    text = _text(client.post(reverse("account_login"), login, follow=True))
    assert "Account inactive" in text and "Review bombing" not in text and "suspended" not in text


def test_lifting_a_suspension_restores_the_account_but_not_what_was_hidden_on_its_own(alice, bob, staff):
    film = make_film("Solaris", year=1972)
    services.rating_set(user=alice, film=film, stars="3")
    kept_hidden = services.review_create(user=alice, film=film, text="Hidden before")
    moderation.content_hide(content=kept_hidden, reason="Spoilers", staff=staff)
    shown = services.review_create(user=alice, film=make_film("Mirror"), text="Fine words")
    moderation.member_suspend(member=alice, reason="Spam", staff=staff)
    moderation.member_unsuspend(member=alice)
    alice.refresh_from_db()
    assert alice.is_active and alice.suspended_at is None
    assert not Review.objects.get(pk=shown.pk).is_hidden
    assert Review.objects.get(pk=kept_hidden.pk).hidden_reason == "Spoilers"
    assert not Rating.objects.filter(user=alice, is_hidden=True).exists()
    film.refresh_from_db()
    assert film.rating_count == 1


def test_staff_cannot_be_suspended_by_the_service(staff, bob):
    with pytest.raises(ValidationError):
        moderation.member_suspend(member=staff, reason="x", staff=staff)


# --- reports ------------------------------------------------------------------------------------------


@pytest.fixture
def review(alice, film):
    return services.review_create(user=alice, film=film, text=WORDS)


def test_a_member_reports_a_review_with_htmx_and_one_open_report_is_kept(review, bob):
    client = _client(bob)
    url = reverse("reviews:report_review", args=[review.pk])
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'name="reason"' in _text(form) and "content policy" in _text(form)
    for _ in range(2):
        response = client.post(url, {"reason": "harassment", "text": "Attacks me"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and "Thanks" in _text(response)
    report = Report.objects.get()
    assert (report.reporter, report.review, report.reason, report.text, report.status) == (
        bob,
        review,
        "harassment",
        "Attacks me",
        "open",
    )


def test_lists_and_profiles_can_be_reported(alice, bob):
    film_list = services.list_create(user=alice, title="A list")
    client = _client(bob)
    assert client.post(reverse("reviews:report_list", args=[film_list.pk]), {"reason": "spam"}).status_code == 200
    assert client.post(reverse("reviews:report_member", args=["alice"]), {"reason": "impersonation"}).status_code == 200
    assert {(r.film_list_id, r.member_id) for r in Report.objects.all()} == {(film_list.pk, None), (None, alice.pk)}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"reason": "nonsense"},
        {"reason": "spam\x00"},
        {"reason": "spam", "text": "x" * 1001},
        {"reason": "spam", "text": "nul\x00byte"},
    ],
)
def test_a_bad_report_is_a_400_and_writes_nothing(review, bob, data):
    response = _client(bob).post(reverse("reviews:report_review", args=[review.pk]), data)
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_report_access(review, alice, bob):
    url = reverse("reviews:report_review", args=[review.pk])
    assert _client(None).post(url, {"reason": "spam"}).status_code == 302  # to the login page
    assert _client(alice).post(url, {"reason": "spam"}).status_code == 400  # one's own review
    assert _client(bob).put(url).status_code == 405
    assert _client(bob).post("/reviews/abc/report/").status_code == 404
    assert _client(bob).post(reverse("reviews:report_review", args=[999999])).status_code == 404
    assert not Report.objects.exists()


def test_reports_are_rate_limited(alice, bob, film):
    client = _client(bob)
    statuses = []
    for n in range(moderation.REPORTS_PER_HOUR + 1):
        review = services.review_create(user=alice, film=make_film(f"Film {n}"), text="Words")
        statuses.append(client.post(reverse("reviews:report_review", args=[review.pk]), {"reason": "spam"}).status_code)
    assert statuses == [200] * moderation.REPORTS_PER_HOUR + [429]
    assert Report.objects.count() == moderation.REPORTS_PER_HOUR


def test_upholding_a_report_hides_the_review_and_closes_every_report_of_it(review, bob, staff):
    carol = make_member("carol")
    first = moderation.report_create(reporter=bob, target=review, reason="spam")
    moderation.report_create(reporter=carol, target=review, reason="harassment")
    moderation.report_uphold(report=first, staff=staff)
    review.refresh_from_db()
    assert review.is_hidden and review.hidden_reason == "Spam or advertising (reported)"
    assert set(Report.objects.values_list("status", flat=True)) == {"actioned"}
    # A closed report no longer blocks a new one.
    assert moderation.report_create(reporter=bob, target=review, reason="spam").status == "open"


def test_dismissing_a_report_leaves_the_content(review, bob, staff):
    report = moderation.report_create(reporter=bob, target=review, reason="spam")
    moderation.report_dismiss(report=report, staff=staff)
    review.refresh_from_db()
    assert not review.is_hidden
    assert Report.objects.get().status == "dismissed"


def test_upholding_a_member_report_suspends_them(alice, bob, staff):
    report = moderation.report_create(reporter=bob, target=alice, reason="impersonation")
    moderation.report_uphold(report=report, staff=staff, reason="Pretends to be bob")
    alice.refresh_from_db()
    assert not alice.is_active and alice.suspension_reason == "Pretends to be bob"


# --- the admin ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["review", "filmlist", "diaryentry", "rating", "report", "user"])
def test_staff_see_each_moderation_page(staff, hidden, model):
    client = _client(staff)
    app = "accounts" if model == "user" else "reviews"
    response = client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": "alice"})
    assert response.status_code == 200


def test_the_admin_hides_with_the_typed_reason_and_refuses_without_one(alice, staff, review):
    client = _client(staff)
    url = reverse("admin:reviews_review_changelist")
    client.post(url, {"action": "hide_content", "_selected_action": [review.pk], "reason": ""})
    assert not Review.objects.get().is_hidden
    client.post(url, {"action": "hide_content", "_selected_action": [review.pk], "reason": "Spam"})
    review.refresh_from_db()
    assert (review.is_hidden, review.hidden_reason, review.hidden_by) == (True, "Spam", staff)


def test_the_admin_suspends_and_restores_a_member(alice, staff):
    client = _client(staff)
    url = reverse("admin:accounts_user_changelist")
    client.post(url, {"action": "suspend_members", "_selected_action": [alice.pk], "reason": "Spam"})
    alice.refresh_from_db()
    assert not alice.is_active
    client.post(url, {"action": "unsuspend_members", "_selected_action": [alice.pk]})
    alice.refresh_from_db()
    assert alice.is_active


def test_the_admin_queue_upholds_a_report(review, bob, staff):
    report = moderation.report_create(reporter=bob, target=review, reason="spam")
    _client(staff).post(
        reverse("admin:reviews_report_changelist"), {"action": "report_uphold", "_selected_action": [report.pk]}
    )
    assert Review.objects.get().is_hidden and Report.objects.get().status == "actioned"


def test_the_content_policy_page_is_public_and_linked_from_the_footer():
    response = _client(None).get(reverse("reviews:content_policy"))
    assert response.status_code == 200 and "Content policy" in _text(response)
    home = _text(_client(None).get("/"))
    assert reverse("reviews:content_policy") in home


def test_hiding_a_diary_entry_takes_its_activity_away(alice, bob, staff, film):
    entry = services.diary_log(user=alice, film=film, watched_on=datetime.date.today())
    assert Activity.objects.filter(key=f"diary:{entry.pk}").exists()
    moderation.content_hide(content=DiaryEntry.objects.get(), reason="Spam tags", staff=staff)
    assert not Activity.objects.filter(key=f"diary:{entry.pk}").exists()

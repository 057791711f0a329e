"""Moderation end to end: a member reports a review, staff hide it in the admin, it leaves the film page for
everyone but its author, who sees why; staff suspend a member, who is told so at log-in and whose content goes."""

from __future__ import annotations

from playwright.sync_api import expect

from reviews.models import Report, Review
from tests.browser.conftest import MOBILE_WIDTH
from tests.browser.seed import log_in
from tests.factories import make_member

REVIEW_TEXT = "The Zone hums with a patient, green dread."
REASON = "Harassment of another member"


def test_a_reported_review_hidden_by_staff_disappears_for_others_and_the_author_sees_why(
    page, browser, site, console_errors
):
    film = site.films["Stalker"]
    film_url = f"{site.url}/films/{film.pk}/"

    # A member reports the review in place, with HTMX.
    log_in(page, site)
    page.goto(film_url)
    review = page.locator("article.review", has_text=REVIEW_TEXT)
    review.get_by_role("link", name="Report").click()
    form = review.locator("form.report-form")
    expect(form).to_be_visible()
    expect(form.get_by_role("link", name="content policy")).to_be_visible()
    url_before = page.url
    form.get_by_label("Harassment or hate").check()
    form.get_by_label("Anything staff should know").fill("Attacks another member")
    form.get_by_role("button", name="Send report").click()
    expect(review.get_by_role("status")).to_contain_text("staff will look at your report")
    assert page.url == url_before
    report = Report.objects.get()
    assert (report.reporter, report.review.text, report.reason) == (site.member, REVIEW_TEXT, "harassment")

    # Staff uphold it from the queue in the admin, with a reason for the author.
    make_member("moderator", is_staff=True, is_superuser=True)
    staff = browser.new_context()
    staff_page = staff.new_page()
    log_in(staff_page, site, username="moderator")
    staff_page.goto(f"{site.url}/admin/reviews/report/")
    expect(staff_page.locator("#result_list")).to_contain_text("Harassment or hate")
    staff_page.locator("input.action-select").first.check()
    staff_page.locator("select[name=action]").select_option("report_uphold")
    staff_page.locator("input[name=reason]").fill(REASON)
    staff_page.locator("button[name=index]").click()
    expect(staff_page.locator(".messagelist")).to_contain_text("Upheld: 1")
    staff.close()
    assert Review.objects.get(text=REVIEW_TEXT).is_hidden

    # Gone for other members and visitors...
    page.goto(film_url)
    expect(page.locator("main")).not_to_contain_text(REVIEW_TEXT)
    visitor = browser.new_context()
    visitor_page = visitor.new_page()
    visitor_page.goto(film_url)
    expect(visitor_page.locator("main")).not_to_contain_text(REVIEW_TEXT)
    visitor.close()

    # ...while the author still sees it, marked, with the reason, on a phone too.
    author = browser.new_context(viewport={"width": MOBILE_WIDTH, "height": 800})
    author_page = author.new_page()
    log_in(author_page, site, username="otto")
    author_page.goto(film_url)
    hidden = author_page.locator("article.review", has_text=REVIEW_TEXT)
    expect(hidden.locator(".moderation-notice")).to_have_text(f"Hidden by moderators: {REASON}")
    assert author_page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH
    author.close()


def test_the_content_policy_is_linked_from_the_footer(page, site, console_errors):
    page.goto(site.url)
    page.get_by_role("contentinfo").get_by_role("link", name="Content policy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Content policy")


def test_staff_suspend_a_member_in_the_admin_who_can_no_longer_log_in_and_whose_content_goes(
    page, browser, site, console_errors
):
    film_url = f"{site.url}/films/{site.films['Stalker'].pk}/"
    page.goto(f"{site.url}/members/{site.other.username}/")
    expect(page.locator("main")).to_contain_text("Stalker")  # otto's diary and review, before

    make_member("moderator", is_staff=True, is_superuser=True)
    staff = browser.new_context()
    staff_page = staff.new_page()
    log_in(staff_page, site, username="moderator")
    staff_page.goto(f"{site.url}/admin/")
    staff_page.get_by_role("link", name="Users").first.click()
    staff_page.locator("#searchbar").fill("otto")
    staff_page.locator("#changelist-search").get_by_role("button").click()
    row = staff_page.locator("#result_list tbody tr", has_text="otto")
    expect(row).to_have_count(1)
    row.locator("input.action-select").check()
    staff_page.locator("select[name=action]").select_option("suspend_members")
    staff_page.get_by_label("Reason (shown to the author)").fill("Spam")
    staff_page.locator("button[name=index]").click()
    expect(staff_page.locator(".messagelist")).to_contain_text("Suspended: 1")
    staff.close()

    # Their profile, review and diary are gone for everyone.
    page.goto(film_url)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(REVIEW_TEXT)
    assert page.request.get(f"{site.url}/members/{site.other.username}/").status == 404

    # Otto cannot log in, and is told his account is suspended rather than that his password is wrong.
    page.goto(f"{site.url}/accounts/login/")
    page.locator("input[name=login]").fill("otto")
    page.locator("input[name=password]").fill(site.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account suspended")
    expect(page.locator("main")).to_contain_text("Moderators suspended this account, so it cannot log in: Spam.")
    expect(page.get_by_role("link", name="otto")).to_have_count(0)

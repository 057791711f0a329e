"""Sign-up to first recommendations: confirm the e-mail, land logged in on onboarding, rate, see picks."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect


def test_a_new_member_confirms_their_email_and_lands_on_onboarding(page, site, console_errors, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    mail.outbox.clear()
    page.goto(f"{site.url}/accounts/signup/")
    page.locator("input[name=email]").fill("nora@example.com")
    page.locator("input[name=username]").fill("nora")
    page.locator("input[name=password1]").fill("a-long-enough-passphrase")
    page.locator("input[name=password2]").fill("a-long-enough-passphrase")
    page.get_by_role("button", name=re.compile("sign up|join|create", re.I)).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/signup/"))

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    confirm = page.get_by_role("button", name=re.compile("confirm", re.I))
    if confirm.count():
        confirm.click()
    expect(page).to_have_url(re.compile(r"/recommendations/start/$"))
    assert page.get_by_role("link", name="nora").count() >= 1


def test_the_account_forms_have_no_stray_lines_or_doubled_links(page, site, console_errors):
    for path in ("/accounts/login/", "/accounts/signup/"):
        page.goto(site.url + path)
        card = page.locator(".auth-card")
        lines = [line.strip() for line in card.inner_text().splitlines()]
        assert "." not in lines, f"{path}: a line holding only a full stop"
        assert card.get_by_role("link", name="Forgot your password?").count() <= 1

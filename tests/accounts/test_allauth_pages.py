from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]


@pytest.mark.parametrize("url_name", PAGES)
def test_account_pages_use_the_site_layout(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html  # base.html, through templates/allauth/layouts/base.html
    assert "form-narrow" in html
    assert "base.html" in [template.name for template in response.templates]


def test_signup_sends_a_verification_email_and_confirming_it_lets_the_member_in(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "carol@example.com",
            "username": "carol",
            "password1": "a-long-film-lover",
            "password2": "a-long-film-lover",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(username="carol", email="carol@example.com").exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@example.com"]
    confirm_url = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)

    confirm_page = client.get(confirm_url)
    assert confirm_page.status_code == 200
    assert "carol@example.com" in confirm_page.content.decode()
    assert client.post(confirm_url).status_code == 302
    assert User.objects.get(username="carol").emailaddress_set.get().verified


def test_signup_form_shows_field_errors(client, db):
    response = client.post(
        reverse("account_signup"), {"email": "nope", "username": "", "password1": "x", "password2": "y"}
    )
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert len(mail.outbox) == 0


def test_login_page_renders_and_a_verified_member_can_log_in(client, alice):
    assert client.get(reverse("account_login")).status_code == 200
    response = client.post(reverse("account_login"), {"login": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get("/").context["user"] == alice


def test_login_with_a_wrong_password_shows_an_error(client, alice):
    response = client.post(reverse("account_login"), {"login": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert 'class="message error"' in response.content.decode()


def test_logout_asks_then_logs_out_on_post(client, alice):
    client.force_login(alice)
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert "Are you sure" in page.content.decode()
    client.post(reverse("account_logout"))
    assert not client.get("/").context["user"].is_authenticated


def test_password_reset_sends_a_link_that_opens_the_new_password_form(client, alice):
    response = client.post(reverse("account_reset_password"), {"email": alice.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    reset_url = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body).group(1)
    form_page = client.get(reset_url, follow=True)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()
    assert client.get(reverse("account_reset_password_from_key_done")).status_code == 200

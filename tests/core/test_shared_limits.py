"""Rate limits count in a cache every web process shares, and cover the admin login and the vibe API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.throttling import AnonRateThrottle

from tests.factories import make_member

ROOT = Path(settings.BASE_DIR)
PASSWORD = "correct-horse-battery"

# Another web process: Django with the same settings, on the test database, making token requests: with
# argv[1] == "guess", five wrong passwords; with "login", the right one. It prints the status codes.
OTHER_PROCESS = """
import os, sys
import django
django.setup()
from django.db import connection
connection.settings_dict["NAME"] = os.environ["SHARED_TEST_DATABASE"]
from django.test import Client
client = Client()
if sys.argv[1] == "guess":
    codes = [client.post("/api/token/", {"username": "alice", "password": f"guess-{n}"}).status_code for n in range(5)]
else:
    codes = [client.post("/api/token/", {"username": "alice", "password": os.environ["RIGHT_PASSWORD"]}).status_code]
print(codes)
"""


def _other_process(mode: str) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, mode],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cineaesthete.settings_test",
            "SHARED_TEST_DATABASE": connection.settings_dict["NAME"],
            "RIGHT_PASSWORD": PASSWORD,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [int(code) for code in result.stdout.strip().splitlines()[-1].strip("[]").split(",")]


@pytest.fixture
def emptied_cache():
    """Transactional tests commit their cache rows, and the cache table is not emptied between tests:
    start and end with it empty, so no count left by an earlier test meets this one."""
    cache.clear()
    yield
    cache.clear()


def test_the_default_cache_is_shared_between_processes():
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend in {"django.core.cache.backends.db.DatabaseCache", "django.core.cache.backends.redis.RedisCache"}


@pytest.mark.django_db(transaction=True)
def test_failed_logins_in_one_process_count_in_another(emptied_cache):
    make_member("alice")
    assert _other_process("guess") == [400] * 5
    # One web process used up alice's five failures; in another, even the right password is refused.
    assert _other_process("login") == [429]


@pytest.mark.django_db(transaction=True)
def test_a_value_written_by_another_process_is_read_here(emptied_cache):
    script = (
        "import os, django; django.setup();"
        "from django.db import connection; connection.settings_dict['NAME'] = os.environ['SHARED_TEST_DATABASE'];"
        "from django.core.cache import cache; cache.set('written-elsewhere', 42, 60)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cineaesthete.settings_test",
        "SHARED_TEST_DATABASE": connection.settings_dict["NAME"],
    }
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)
    assert cache.get("written-elsewhere") == 42


# --- the admin login --------------------------------------------------------------------------------------


def test_the_admin_login_sends_to_the_rate_limited_login_page(client, staff):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_posting_a_staff_password_to_the_admin_form_logs_nobody_in(client, staff):
    for n in range(30):
        response = client.post("/admin/login/", {"username": "staffer", "password": f"guess-{n}"})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.post("/admin/login/", {"username": "staffer", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_thirty_wrong_staff_passwords_lock_the_account_out_of_the_login(client, staff):
    for n in range(30):
        client.post("/accounts/login/", {"login": "staffer", "password": f"guess-{n}"})
    response = client.post("/accounts/login/", {"login": "staffer", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert client.get("/admin/").status_code == 302


def test_staff_log_in_through_allauth_and_reach_the_admin(client, staff):
    response = client.post("/accounts/login/", {"login": "staffer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/").status_code == 302  # already in: on to the admin


def test_a_signed_in_member_who_is_not_staff_is_refused_the_admin_login(client, alice):
    client.force_login(alice)
    assert client.get("/admin/login/").status_code == 403


# --- the vibe API -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_vibe_api_is_throttled_like_the_rest_of_the_api(monkeypatch):
    # DRF binds the rates to the class when it is imported; the test settings raise them out of reach.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min"})
    client = Client()
    codes = [client.get("/api/vibe/").status_code for _ in range(5)]
    assert codes == [400, 400, 400, 429, 429]
    throttled = Client().get("/api/films/")
    assert throttled.status_code == 429  # one budget per address across the API


@pytest.mark.django_db
def test_the_vibe_api_refuses_bad_parameters_with_400():
    client = Client()
    for query in [{}, {"q": "red", "k": "many"}, {"q": "x" * 400}, {"q": "red\x00"}, {"colour": "red"}]:
        response = client.get("/api/vibe/", query)
        assert response.status_code == 400, query
        assert response.json()["detail"]
    assert client.post("/api/vibe/", {"q": "red"}).status_code == 405


def test_a_superuser_without_a_verified_address_is_mailed_a_link_before_reaching_the_admin(client, db):
    from django.core import mail

    make_member("root", email_verified=False, is_staff=True, is_superuser=True)
    client.post("/accounts/login/", {"login": "root", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["root@example.com"]

"""Rate limits count in a cache every web process shares, and cover the admin login and the vibe API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.throttling import AnonRateThrottle

from tests.factories import make_member

ROOT = Path(settings.BASE_DIR)
PASSWORD = "correct-horse-battery"

# Another web process: Django with the same settings, pointed at the test database by DATABASE_URL (so nothing
# but the URL decides where it connects), making token requests: with argv[1] == "guess", five wrong passwords;
# with "login", the right one. It prints what it saw, then the status codes on its last line.
OTHER_PROCESS = """
import json, os, sys
import django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()  # as pytest does here: the test client's host is allowed whatever ALLOWED_HOSTS says
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
client = Client()
password = os.environ["RIGHT_PASSWORD"] if sys.argv[1] == "login" else None
responses = [
    client.post("/api/token/", {"username": "alice", "password": password or f"guess-{n}"})
    for n in range(1 if password else 5)
]
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM cineaesthete_cache")
    cache_rows = cursor.fetchone()[0]
print(json.dumps({
    "database": connection.settings_dict["NAME"],
    "alice": get_user_model().objects.filter(username="alice").exists(),
    "cache_rows": cache_rows,
    "bodies": [response.content.decode()[:200] for response in responses],
}))
print([response.status_code for response in responses])
"""


def _database_url() -> str:
    """The test database as a URL (the embedded server listens on a Unix socket: its folder is the host)."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "localhost", safe="")
    credentials = quote(db["USER"] or "postgres", safe="") + (
        f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    )
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


def _other_process(mode: str) -> tuple[list[int], str]:
    result = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, mode],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cineaesthete.settings_test",
            "DATABASE_URL": _database_url(),
            "SECRET_KEY": settings.SECRET_KEY,
            "RIGHT_PASSWORD": PASSWORD,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    return [int(code) for code in lines[-1].strip("[]").split(",")], "\n".join(lines[:-1])


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
    codes, seen = _other_process("guess")
    assert codes == [400] * 5, seen
    # Refused for the password, not for anything else (a disallowed host is a 400 too).
    assert all(json.loads(body)["detail"] for body in json.loads(seen)["bodies"]), seen
    # One web process used up alice's five failures; in another, even the right password is refused.
    codes, seen = _other_process("login")
    assert codes == [429], seen


@pytest.mark.django_db(transaction=True)
def test_a_value_written_by_another_process_is_read_here(emptied_cache):
    script = (
        "import django; django.setup(); from django.core.cache import cache; cache.set('written-elsewhere', 42, 60)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cineaesthete.settings_test",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
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

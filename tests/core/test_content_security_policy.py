"""Every page carries a Content-Security-Policy that its own HTML does not break."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.test import Client

# Non-executable script types (data blocks) that a CSP does not govern.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data"}


class PolicyBreaches(HTMLParser):
    """Collects what a browser would block under script-src 'self' and style-src 'self' (attributes aside)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.breaches: list[str] = []
        self.htmx_config: dict | None = None
        self.loads_htmx = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        for name, value in attributes.items():
            if name.startswith("on"):
                self.breaches.append(f"<{tag} {name}=…> event-handler attribute")
            if name.startswith(("hx-on", "data-hx-on")):
                self.breaches.append(f"<{tag} {name}> needs eval")
            if name in {"hx-vals", "hx-vars", "hx-headers"} and value.strip().startswith(("js:", "javascript:")):
                self.breaches.append(f"<{tag} {name}=js:…> needs eval")
            if name == "hx-trigger" and any("[" in spec.split()[0] for spec in value.split(",") if spec.strip()):
                self.breaches.append(f"<{tag} hx-trigger with an event filter> needs eval")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.breaches.append(f"<{tag} {name}=javascript:…>")
            if name in {"src", "href"} and tag in {"script", "link", "img", "iframe"} and "//" in value.split("?")[0]:
                self.breaches.append(f"<{tag} {name}={value}> from another origin")
        if tag == "script":
            if "src" in attributes:
                self.loads_htmx |= "htmx" in attributes["src"]
            elif attributes.get("type", "").lower() not in DATA_SCRIPT_TYPES:
                self.breaches.append("inline <script>")
        if tag == "style":
            self.breaches.append("inline <style> element")
        if tag == "meta" and attributes.get("name") == "htmx-config":
            self.htmx_config = json.loads(attributes["content"])


def breaches_in(html: str) -> PolicyBreaches:
    parser = PolicyBreaches()
    parser.feed(html)
    parser.close()
    return parser


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def test_every_page_has_the_header_and_nothing_in_its_html_breaks_it(site_pages):
    checked = 0
    for member, path in site_pages:
        client = Client()
        if member is not None:
            client.force_login(member)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            policy = directives(response["Content-Security-Policy"])
            assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], path
            assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
            if "html" not in response["Content-Type"]:
                continue
            page = breaches_in(response.content.decode())
            assert page.breaches == [], (path, page.breaches)
            if page.loads_htmx:
                assert page.htmx_config is not None, path
                assert page.htmx_config["allowEval"] is False and page.htmx_config["includeIndicatorStyles"] is False
            checked += 1
    assert checked >= 2 * 30


def test_the_checker_catches_what_the_policy_blocks():
    hostile = (
        '<script>alert(1)</script><a href="javascript:alert(1)">x</a><img src=x onerror="alert(1)">'
        '<div hx-on:click="alert(1)"></div><input hx-trigger="change, keyup[key==\'Enter\']"><style>p{}</style>'
        "<script src=\"https://cdn.example.com/x.js\"></script><div hx-vals='js:{a: 1}'></div>"
    )
    assert len(breaches_in(hostile).breaches) == 8
    harmless = (
        '<script type="application/json">{"a": 1}</script><p style="width: 5%">x</p>'
        '<form hx-trigger="change, input delay:300ms from:input[type=range]"></form>'
    )
    assert breaches_in(harmless).breaches == []


@pytest.mark.django_db
def test_error_pages_and_api_responses_carry_the_header_too(client):
    assert "script-src 'self'" in client.get("/films/999999/")["Content-Security-Policy"]
    assert "script-src 'self'" in client.get("/api/films/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_swagger_ui_gets_its_start_up_script_as_a_file(client):
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()

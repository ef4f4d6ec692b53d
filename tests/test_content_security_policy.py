"""Every page carries a Content-Security-Policy that allows scripts and styles from the site's
own files only, and no template the site serves has an inline script, event handler or style
attribute that the policy would refuse (the browser tests check the pages as they run)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Mail bodies are read in mail programs, not served under the site's policy.
SERVED = [
    path
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]
    for path in sorted(folder.rglob("*.html"))
    if "emails" not in path.relative_to(folder).parts
]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password_reset/", "/api/docs/", "/healthz/"])
def test_every_response_has_the_policy(client, path):
    response = client.get(path)
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_only_redoc_may_style_inline_and_start_a_worker(client):
    policy = directives(client.get("/api/redoc/")["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["blob:"]


@pytest.mark.parametrize("template", SERVED, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_served_template_has_inline_script_or_style(template):
    source = template.read_text(encoding="utf-8")
    found = INLINE_SCRIPT.findall(source) + EVENT_HANDLER.findall(source) + STYLE.findall(source)
    assert found == []


def test_the_scan_finds_what_it_looks_for():
    sample = '<script>x()</script><button onclick="go()"><p style="color: red"><style>p{}</style>'
    assert INLINE_SCRIPT.findall(sample) == ["<script>"]
    assert EVENT_HANDLER.findall(sample) == ["<button onclick="]
    assert len(STYLE.findall(sample)) == 2
    assert INLINE_SCRIPT.findall('<script src="/static/js/app.js"></script>') == []

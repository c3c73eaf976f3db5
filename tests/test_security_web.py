"""The defences around the access gate (docs/security.md): the headers of every response and a
page markup that the strict Content-Security-Policy lets run whole; the sign-in locked after
repeated failures; a session's idle and absolute limits, and its end on a password change; the
limits of an upload through the web form."""

from __future__ import annotations

import runpy
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tergeu import clock
from tergeu.accounts.models import Official
from tests.conftest import ApiClient, World, open_case
from tests.test_refusals import assert_error, database_state
from tests.test_web import case_url, web

SETTINGS = Path(__file__).resolve().parent.parent / "tergeu" / "settings.py"
LOGIN = reverse("web:login")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def directives(policy: str) -> dict[str, str]:
    """A Content-Security-Policy as {directive: its sources}."""
    pairs = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: sources for name, sources in pairs}


def assert_protected(response: Any) -> None:
    """The headers every response carries, whatever served it."""
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in response["Permissions-Policy"]


def test_web_pages_carry_the_headers(world: World) -> None:
    anonymous = web().get(LOGIN)
    assert anonymous.status_code == 200
    assert_protected(anonymous)
    signed_in = web(world.rita).get(reverse("web:my_cases"))
    assert signed_in.status_code == 200
    assert_protected(signed_in)
    assert signed_in["X-Frame-Options"] == "DENY"
    missing = web(world.rita).get(case_url(999999))
    assert missing.status_code == 404
    assert_protected(missing)


def test_api_responses_carry_the_headers(world: World) -> None:
    answer = ApiClient(world.rita).get("/me")
    assert answer.status_code == 200, answer.content
    assert_protected(answer)
    refused = Client().get("/api/v1/me")
    assert_error(refused, 401, "unauthenticated")
    assert_protected(refused)


def test_static_files_carry_the_headers(settings: Any) -> None:
    # WhiteNoise serves from the finders here, as after `collectstatic` on a server.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    stylesheet = Client().get("/static/web/app.css")
    assert stylesheet.status_code == 200
    assert_protected(stylesheet)


def test_a_pdf_may_be_shown_but_not_framed(world: World) -> None:
    """Chrome draws a PDF in a page of its own with inline styles, which the strict policy would
    leave blank: a PDF's policy only forbids framing it."""
    case = open_case(world)
    document = web(world.alice).get(reverse("web:act_document", args=[case.pk, 1]))
    assert document.status_code == 200
    assert document["Content-Type"] == "application/pdf"
    assert document["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert document["X-Content-Type-Options"] == "nosniff"


def test_https_is_required_and_remembered(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    plain = Client().get(LOGIN)
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/login/"
    secure = Client().get(LOGIN, secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # Behind a proxy that terminates TLS, its header tells that the client used HTTPS.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = Client().get(LOGIN, headers={"x-forwarded-proto": "https"})
    assert proxied.status_code == 200
    assert "Strict-Transport-Security" in proxied


def server_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """The settings module as a server without TERGEU_DEV reads it."""
    monkeypatch.delenv("TERGEU_DEV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-server-key-for-this-test-only")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_a_server_sends_cookies_and_pages_over_https_only(monkeypatch: pytest.MonkeyPatch) -> None:
    server = server_settings(monkeypatch)
    assert server["SECURE_SSL_REDIRECT"] is True
    assert server["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert server["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert server["SECURE_PROXY_SSL_HEADER"] is None
    for cookie in ("SESSION_COOKIE", "CSRF_COOKIE"):
        assert server[f"{cookie}_SECURE"] is True
        assert server[f"{cookie}_HTTPONLY"] is True
        assert server[f"{cookie}_SAMESITE"] == "Lax"
    proxied = server_settings(
        monkeypatch, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO", SECURE_SSL_REDIRECT="0"
    )
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxied["SECURE_SSL_REDIRECT"] is False


def test_cookies_are_kept_from_scripts_and_other_sites(world: World, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    client.get(LOGIN, secure=True)
    signed_in = client.post(LOGIN, {"username": "rita", "password": "pw-rita-123"}, secure=True)
    assert signed_in.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = client.cookies[name]
        assert cookie["httponly"] is True, name
        assert cookie["secure"] is True, name
        assert cookie["samesite"] == "Lax", name


class Markup(HTMLParser):
    """What in a page the strict policy would refuse: a script written into the page, an
    event-handler attribute, a style attribute or element, a javascript: address."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and "src" not in named and named.get("type") != "application/json":
            self.refused.append(f"inline <script> {attrs}")
        if tag == "style":
            self.refused.append("<style> element")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.refused.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action"} and (value or "").lower().startswith(
                "javascript:"
            ):
                self.refused.append(f"<{tag} {name}={value!r}>")


def refused_markup(html: str) -> list[str]:
    parser = Markup()
    parser.feed(html)
    return parser.refused


def test_the_markup_check_finds_what_the_policy_refuses() -> None:
    found = refused_markup(
        '<script>alert(1)</script><script src="/s.js"></script>'
        '<script type="application/json" id="d">{}</script>'
        '<a href="#" onclick="go()">x</a><span style="width: 3%"></span><style>p{}</style>'
        '<a href="javascript:go()">y</a>'
    )
    assert len(found) == 5, found


def test_no_workspace_page_has_inline_script_or_style(world: World) -> None:
    """Every role's workspace, filled with a case, a client, a seized item, a covert request,
    a trial and a sentence, and the statistics with their charts, in every language."""
    from tests.test_browser import _workspaces

    pages = _workspaces(world)
    problems: list[str] = []
    checked = 0
    for username, paths in pages.items():
        official = Official.objects.get(username=username) if username else None
        for language in ("kk", "ru", "en"):
            client = web(official, language)
            for path in paths:
                page = client.get(path)
                assert page.status_code == 200, (username, path, page.status_code)
                html = page.content.decode()
                problems += [f"{username} {path}: {p}" for p in refused_markup(html)]
                checked += 1
    assert not problems, "\n".join(problems)
    assert checked == 3 * sum(len(paths) for paths in pages.values())
    chart = web(Official.objects.get(username="anna")).get(pages["anna"][0]).content.decode()
    # The charts are drawn, a bar's length its rect's width rather than a style attribute.
    assert '<svg class="bar" aria-hidden="true" focusable="false"><rect width="100%"' in chart
    assert '<svg class="bar before"' in chart


# The sign-in lockout.


def sign_in(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def lock_rita() -> Client:
    """Five wrong passwords for Rita from one address: the fifth locks."""
    client = Client(headers={"accept-language": "en"})
    for _ in range(4):
        refused = sign_in(client, "rita", "wrong")
        assert refused.status_code == 200
        assert "Please enter a correct username and password" in refused.content.decode()
    locked = sign_in(client, "rita", "wrong")
    assert locked.status_code == 429
    assert "Too many failed attempts to sign in" in locked.content.decode()
    return client


def shift_attempts(minutes: int) -> None:
    """As if the failed attempts had been made `minutes` earlier (django-axes counts its
    cool-off in real time)."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def test_repeated_failures_lock_the_sign_in_even_with_the_right_password(world: World) -> None:
    before = {k: v for k, v in database_state().items() if not k.startswith("axes.")}
    client = lock_rita()
    page = sign_in(client, "rita", "pw-rita-123")
    assert page.status_code == 429
    text = page.content.decode()
    assert "blocked for 15 minutes, even with the right password" in text
    assert 'role="alert"' in text
    assert 'value="rita"' in text  # the form is there again, for after the cool-off
    assert client.get(reverse("web:my_cases")).status_code == 302  # not signed in
    # Nothing was written but django-axes' own count of the failures.
    after = {k: v for k, v in database_state().items() if not k.startswith("axes.")}
    assert after == before
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.failures_since_start) == ("rita", 5)
    assert "pw-rita" not in attempt.post_data
    assert "csrfmiddlewaretoken=" not in attempt.post_data.replace("csrfmiddlewaretoken=*", "")


def test_the_lock_is_for_that_user_from_that_address(world: World) -> None:
    lock_rita()
    # Another official from the same address, and Rita from another, sign in.
    assert sign_in(Client(), "victor", "pw-victor-123").status_code == 302
    elsewhere = sign_in(Client(REMOTE_ADDR="10.1.2.3"), "rita", "pw-rita-123")
    assert elsewhere.status_code == 302


def test_the_lock_ends_after_the_cool_off_however_often_one_tries(world: World) -> None:
    client = lock_rita()
    shift_attempts(14)
    assert sign_in(client, "rita", "pw-rita-123").status_code == 429
    assert sign_in(client, "rita", "wrong").status_code == 429
    # Trying during the lockout did not prolong it.
    shift_attempts(1)
    signed_in = sign_in(client, "rita", "pw-rita-123")
    assert signed_in.status_code == 302
    assert client.get(reverse("web:my_cases")).status_code == 200
    assert not AccessAttempt.objects.exists()  # success forgets the failures


def test_a_successful_sign_in_forgets_earlier_failures(world: World) -> None:
    client = Client()
    for _ in range(4):
        sign_in(client, "rita", "wrong")
    assert sign_in(client, "rita", "pw-rita-123").status_code == 302
    again = Client()
    for _ in range(4):
        assert sign_in(again, "rita", "wrong").status_code == 200


def test_the_admin_sign_in_is_locked_too(world: World) -> None:
    client = Client(headers={"accept-language": "en"})
    admin_login = reverse("admin:login")
    for _ in range(4):
        assert sign_in_at(client, admin_login, "adam", "wrong").status_code == 200
    locked = sign_in_at(client, admin_login, "adam", "wrong")
    assert locked.status_code == 429
    assert "Too many failed attempts to sign in" in locked.content.decode()


def sign_in_at(client: Client, url: str, username: str, password: str) -> Any:
    return client.post(url, {"username": username, "password": password, "next": "/admin/"})


def test_the_lockout_speaks_the_readers_language(world: World) -> None:
    for _ in range(5):
        page = sign_in(Client(headers={"accept-language": "ru"}), "rita", "wrong")
    assert page.status_code == 429
    assert "Слишком много неудачных попыток входа" in page.content.decode()
    kazakh = sign_in(Client(headers={"accept-language": "kk"}), "rita", "pw-rita-123")
    assert kazakh.status_code == 429
    assert "Too many failed attempts" not in kazakh.content.decode()


# The session's limits.


def signed_in_at(world: World, at: datetime) -> Client:
    with clock.frozen(at):
        return web(world.rita)


def get_at(client: Client, at: datetime, path: str = "/") -> Any:
    with clock.frozen(at):
        return client.get(path)


def test_a_session_ends_after_the_idle_limit(world: World) -> None:
    client = signed_in_at(world, T0)
    # Each request restarts the idle count: an hour in steps of 29 minutes is fine.
    for minutes in (29, 58):
        assert get_at(client, T0 + timedelta(minutes=minutes)).status_code == 200
    idle = get_at(client, T0 + timedelta(minutes=58 + 30))
    assert idle.status_code == 302
    assert idle["Location"].startswith(LOGIN)
    with clock.frozen(T0 + timedelta(minutes=58 + 30)):
        page = client.get(idle["Location"])
    assert "You were signed out after 30 minutes without activity" in page.content.decode()
    # The session is gone, not only refused at that moment.
    assert get_at(client, T0 + timedelta(minutes=59)).status_code == 302


def test_the_idle_limit_is_a_setting(world: World, settings: Any) -> None:
    settings.TERGEU_SESSION_IDLE_MINUTES = 5
    client = signed_in_at(world, T0)
    assert get_at(client, T0 + timedelta(minutes=4, seconds=59)).status_code == 200
    assert get_at(client, T0 + timedelta(minutes=9, seconds=58)).status_code == 200
    # Five minutes to the second after the last request, the session is over.
    assert get_at(client, T0 + timedelta(minutes=14, seconds=58)).status_code == 302


def test_a_session_ends_after_the_absolute_limit_however_active(world: World) -> None:
    client = signed_in_at(world, T0)
    at = T0
    while at < T0 + timedelta(hours=7, minutes=40):
        at += timedelta(minutes=20)
        assert get_at(client, at).status_code == 200, at
    ended = get_at(client, T0 + timedelta(hours=8))
    assert ended.status_code == 302
    with clock.frozen(T0 + timedelta(hours=8)):
        page = client.get(ended["Location"])
    assert "a session lasts 8 hours" in page.content.decode()


def test_an_ended_session_is_refused_by_the_api_too(world: World) -> None:
    client = signed_in_at(world, T0)
    assert get_at(client, T0 + timedelta(minutes=10), "/api/v1/me").status_code == 200
    assert_error(get_at(client, T0 + timedelta(minutes=41), "/api/v1/me"), 401, "unauthenticated")


def test_api_tokens_get_no_session(world: World) -> None:
    answer = ApiClient(world.rita).get("/me")
    assert answer.status_code == 200
    assert "sessionid" not in answer.cookies


def test_a_password_change_ends_the_other_sessions(world: World) -> None:
    phone, laptop = web(world.rita), web(world.rita)
    assert phone.get("/").status_code == 200
    assert laptop.get("/").status_code == 200
    world.rita.is_staff = True
    world.rita.save(update_fields=["is_staff"])
    changed = laptop.post(
        reverse("admin:password_change"),
        {
            "old_password": "pw-rita-123",
            "new_password1": "a-new-Passphrase-2026",
            "new_password2": "a-new-Passphrase-2026",
        },
    )
    assert changed.status_code == 302, changed.content
    # The session that changed it goes on; the other one is over.
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert sign_in(Client(), "rita", "pw-rita-123").status_code == 200
    assert sign_in(Client(), "rita", "a-new-Passphrase-2026").status_code == 302


def test_a_password_set_by_the_administrator_ends_every_session(world: World) -> None:
    client = web(world.rita)
    assert client.get("/").status_code == 200
    world.rita.set_password("set-by-the-Administrator-1")
    world.rita.save(update_fields=["password"])
    assert client.get("/").status_code == 302


# Uploads through the web form: the service's limits, with nothing written when refused.


def written_beside_the_access_log() -> dict[str, object]:
    """The database's state but for the access log's records: opening the case to post on it
    is logged."""
    return {k: v for k, v in database_state().items() if not k.startswith("access.")}


def test_web_uploads_keep_to_the_size_and_the_types(world: World, settings: Any) -> None:
    case = open_case(world)
    alice = web(world.alice)
    url = reverse("web:attachment_new", args=[case.pk])
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = written_beside_the_access_log()
    too_large = alice.post(url, {"file": SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" * 200)})
    assert too_large.status_code == 413
    assert "larger than the limit of 1024 bytes" in too_large.content.decode()
    program = alice.post(url, {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00" + b"\x00" * 60)})
    assert program.status_code == 415
    assert "are not accepted" in program.content.decode()
    assert written_beside_the_access_log() == before
    accepted = alice.post(url, {"file": SimpleUploadedFile("note.txt", b"a short note")})
    assert accepted.status_code == 302

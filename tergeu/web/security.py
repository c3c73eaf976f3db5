"""The defences around the access gate: the headers every response carries (a strict
Content-Security-Policy among them), the page shown when django-axes locks the sign-in after
repeated failures, and the two limits of a signed-in session (docs/security.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tergeu import clock
from tergeu.text import REPLACEMENT_CHARACTER

Handler = Callable[[HttpRequest], HttpResponse]

# No inline script or style anywhere: every script and stylesheet is a file of tergeu's own.
STRICT_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        # sign.js talks to NCALayer, the official's signing application, on its fixed local
        # WebSocket (docs/signing.md); nothing else leaves the site.
        "connect-src 'self' wss://127.0.0.1:13579",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
# Chrome shows a PDF in a page of its own making, with inline styles and a plugin: under the
# strict policy it stays blank. Procedural documents and reports are opened inline, so a PDF
# keeps only the part that matters for it, that no other site may frame it.
PDF_POLICY = "frame-ancestors 'none'"
# No page uses the camera (an evidence label's QR code is read by a phone's own camera app),
# the microphone, the location, payments or USB devices.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def content_security_policy(response: HttpResponse) -> str:
    """The policy for this response: the strict one, but for a PDF. The Django admin and the
    API's documentation page run under the strict one too (tests/test_browser.py)."""
    if response.get("Content-Type", "").startswith("application/pdf"):
        return PDF_POLICY
    return STRICT_POLICY


def security_headers(get_response: Handler) -> Handler:
    """Middleware: the Content-Security-Policy and Permissions-Policy of every response, static
    files included (it sits above WhiteNoise). Django's SecurityMiddleware adds the rest:
    HSTS, nosniff, the referrer and opener policies."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(response))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


def signin_locked(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the sign-in page again, saying
    that this user cannot sign in from this address for the cool-off period, even with the right
    password. Status 429, as for the other limits."""
    minutes = settings.TERGEU_LOGIN_COOLOFF_MINUTES
    locked = ngettext(
        "Too many failed attempts to sign in. Signing in as this user from this address is "
        "blocked for %(minutes)d minute, even with the right password.",
        "Too many failed attempts to sign in. Signing in as this user from this address is "
        "blocked for %(minutes)d minutes, even with the right password.",
        minutes,
    ) % {"minutes": minutes}
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "locked": locked, "next": request.POST.get("next", "")}
    return render(request, "web/login.html", context, status=429)


# The session's clock, in whole seconds of tergeu.clock: when its holder signed in and when a
# request last came with it.
SIGNED_IN_AT = "tergeu_signed_in_at"
SEEN_AT = "tergeu_seen_at"
# The last request's time is written at most once a minute: the idle limit is counted in minutes,
# and a session written on every request would cost a database write per page.
SEEN_RESOLUTION_SECONDS = 60


def _seconds_now() -> int:
    return int(clock.now().timestamp())


def session_clock_start(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Receiver of Django's `user_logged_in`: signing in happens in Django's code (the sign-in
    page, the admin's, the test client's `force_login`), so its signal starts the clock."""
    if request is not None and hasattr(request, "session"):
        now = _seconds_now()
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


def session_end_reason(session: SessionBase, now: int) -> str | None:
    """Why a signed-in session is over at `now`, or None while it lasts: SESSION_COOKIE_AGE after
    signing in whatever was done since, or TERGEU_SESSION_IDLE_MINUTES after its last request."""
    signed_in = session.setdefault(SIGNED_IN_AT, now)
    seen = session.setdefault(SEEN_AT, now)
    if now - signed_in >= settings.SESSION_COOKIE_AGE:
        hours = settings.SESSION_COOKIE_AGE // 3600
        return ngettext(
            "You were signed out: a session lasts %(hours)d hour. Sign in again.",
            "You were signed out: a session lasts %(hours)d hours. Sign in again.",
            hours,
        ) % {"hours": hours}
    minutes = settings.TERGEU_SESSION_IDLE_MINUTES
    if now - seen >= minutes * 60:
        return ngettext(
            "You were signed out after %(minutes)d minute without activity. Sign in again.",
            "You were signed out after %(minutes)d minutes without activity. Sign in again.",
            minutes,
        ) % {"minutes": minutes}
    return None


def session_limits(get_response: Handler) -> Handler:
    """Middleware: a signed-in session ends after TERGEU_SESSION_IDLE_MINUTES without a request,
    and SESSION_COOKIE_AGE after signing in however active it was; the next page is then the
    sign-in page, saying why. Requests with an API token carry no session and pass untouched."""

    def middleware(request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = _seconds_now()
            reason = session_end_reason(session, now)
            if reason is not None:
                logout(request)
                messages.warning(request, reason)
            elif now - session[SEEN_AT] >= SEEN_RESOLUTION_SECONDS:
                session[SEEN_AT] = now
        return get_response(request)

    return middleware


def form_text_check(get_response: Handler) -> Handler:
    """Middleware: a page's form whose text is not UTF-8 is refused (400, the error page), not
    stored with the bad bytes turned into U+FFFD. Django decodes form fields leniently; a browser
    sends UTF-8, so such bytes come from a broken or hostile client. A form over
    DATA_UPLOAD_MAX_MEMORY_SIZE is refused here too (413), on the same page. The API refuses the
    same in its own error shape."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and not request.path.startswith("/api/"):
            try:
                fields = list(request.POST.lists())
            except RequestDataTooBig:
                message = _(
                    "The form is larger than the limit of %(limit)d bytes (files aside). "
                    "Shorten its text."
                ) % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
                return render(request, "error.html", {"message": message}, status=413)
            for values in fields:
                if any(REPLACEMENT_CHARACTER in text for text in (values[0], *values[1])):
                    message = _(
                        "The form's text is not in UTF-8: it cannot be read as sent. Type it "
                        "again, or send it from another program."
                    )
                    return render(request, "error.html", {"message": message}, status=400)
        return get_response(request)

    return middleware

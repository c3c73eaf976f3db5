"""The defences around the access gate: the headers every response carries (a strict
Content-Security-Policy among them), and the page shown when django-axes locks the sign-in after
repeated failures (docs/security.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

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

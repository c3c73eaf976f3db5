"""The page shown when django-axes locks the sign-in after repeated failures
(docs/security.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext


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

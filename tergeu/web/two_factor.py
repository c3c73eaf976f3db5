"""The second factor (CJIS 5.6.2.2, advanced authentication): an official signs in with a
password and then a one-time code from an authenticator application (TOTP, RFC 6238), or one
of ten recovery codes, each good once. At the first sign-in the official enrols: the page shows
the key as a QR code and as text, and the recovery codes once the first code is confirmed.

Required for every official when `TERGEU_OTP_REQUIRED` is on (the default outside dev mode):
until the session is verified, every page but these and signing out sends them here, and the
API refuses the session (bearer tokens, issued by an administrator, are not sessions)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

from tergeu.accounts.models import Appointment, Official

Handler = Callable[[HttpRequest], HttpResponseBase]
RECOVERY_CODES = 10
# Set by signing in with the certificate key (tergeu/web/certificate.py): that is itself a
# second factor (the key on its token, behind its PIN).
PKI_SESSION_KEY = "tergeu_signed_in_with_certificate"
# Pages an unverified session may open: these, signing out, the language switch, and what
# anyone may open without signing in.
OPEN_PREFIXES = ("/2fa/", "/logout/", "/login/", "/i18n/", "/static/", "/status/", "/verify/")


def required(user: Any) -> bool:
    """Whether `user` must pass the second factor: officials (anyone with an appointment, and
    the administrators of the Django admin) while `TERGEU_OTP_REQUIRED` is on."""
    if not settings.TERGEU_OTP_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff) or Appointment.objects.filter(official=user).exists()


def verified(request: HttpRequest) -> bool:
    user = request.user
    if not required(user) or request.session.get(PKI_SESSION_KEY):
        return True
    return bool(getattr(user, "is_verified", lambda: False)())


def second_factor(get_response: Handler) -> Handler:
    """Middleware (after django-otp's): a signed-in official not yet verified is sent to the
    second factor, the page they asked for kept."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        path = request.path
        if path.startswith(("/api/", *OPEN_PREFIXES)) or verified(request):
            return get_response(request)
        target = "web:otp_setup" if not _totp(request.user, confirmed=True) else "web:otp_verify"
        return redirect(f"{reverse(target)}?next={path}")

    return middleware


def _totp(user: Any, *, confirmed: bool) -> TOTPDevice | None:
    found: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()
    return found


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}):
        return wanted
    return reverse("web:my_cases")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _qr_svg(text: str) -> str:
    """The key's QR code as a data: URI of an SVG image (the CSP allows data: images)."""
    widget = QrCodeWidget(text)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(200, 200, transform=[200 / (right - left), 0, 0, 200 / (top - bottom), 0, 0])
    drawing.add(widget)
    svg = io.StringIO()
    renderSVG.drawToFile(drawing, svg)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue().encode()).decode()


def _user(request: HttpRequest) -> Official:
    user = request.user
    assert isinstance(user, Official)
    return user


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: a new key (until confirmed, the same one on every visit), confirmed by its
    first code; then the recovery codes, shown once."""
    if not request.user.is_authenticated:
        return redirect(reverse("web:login"))
    user = _user(request)
    if _totp(user, confirmed=True) is not None:
        return redirect(f"{reverse('web:otp_verify')}?next={_next(request)}")
    device = _totp(user, confirmed=False) or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=False
    )
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and device.verify_token(form.cleaned_data["code"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _recovery_codes(user)
            otp_login(request, device)
            shown: dict[str, Any] = {"codes": codes, "next": _next(request)}
            return render(request, "web/otp_codes.html", shown)
        if form.is_valid():
            form.add_error(
                "code", _("The code is not right. Use the one your application shows now.")
            )
    key = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_svg(device.config_url),
        "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
        "next": _next(request),
    }
    return render(request, "web/otp_setup.html", context, status=status)


def _recovery_codes(user: Official) -> list[str]:
    """Ten new recovery codes, the old ones forgotten."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODES:
        token = StaticToken.random_token()
        if not token.isdigit():  # told apart from the application's codes by having letters
            codes.append(token)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The code of the authenticator application, or a recovery code (each good once)."""
    if not request.user.is_authenticated:
        return redirect(reverse("web:login"))
    user = _user(request)
    totp = _totp(user, confirmed=True)
    if totp is None:
        return redirect(f"{reverse('web:otp_setup')}?next={_next(request)}")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            code = form.cleaned_data["code"].replace(" ", "")
            # The application's code is digits; a recovery code is letters and digits. Only the
            # device the code is meant for counts a failure (and slows down the next try).
            devices: list[Any] = (
                [totp]
                if code.isdigit()
                else list(StaticDevice.objects.filter(user=user, confirmed=True))
            )
            for device in devices:
                allowed, _why = device.verify_is_allowed()
                if allowed and device.verify_token(code):
                    otp_login(request, device)
                    return redirect(_next(request))
            form.add_error(
                "code",
                _(
                    "The code is not right, or was used already. Wait for the next one and try again."
                ),
            )
    return render(
        request, "web/otp_verify.html", {"form": form, "next": _next(request)}, status=status
    )

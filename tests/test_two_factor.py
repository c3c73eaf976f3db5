"""The second factor: with `TERGEU_OTP_REQUIRED`, an official who has signed in with a password
is sent to enrol (a key shown as QR code and text, confirmed by its first code, then ten
recovery codes shown once) and, later, to enter a code; until then no page and no session call
of the API is served. A wrong code is refused; a recovery code works once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import World, open_case


@pytest.fixture(autouse=True)
def _required(settings: Any) -> None:
    settings.TERGEU_OTP_REQUIRED = True


def sign_in(username: str) -> Client:
    client = Client(headers={"accept-language": "en"})
    response = client.post(
        reverse("web:login"), {"username": username, "password": f"pw-{username}-123"}
    )
    assert response.status_code == 302, response.content[:500]
    return client


def code(device: TOTPDevice, *, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + later * device.step
    return f"{totp.token():06d}"


def test_an_official_enrols_then_signs_in_with_a_code(world: World) -> None:
    case = open_case(world, notes=0)
    client = sign_in("alice")
    page = client.get(reverse("web:case", args=[case.pk]))
    setup = reverse("web:otp_setup")
    assert page["Location"] == f"{setup}?next=/cases/{case.pk}/"
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 401  # nor the API
    shown = client.get(page["Location"])
    assert shown.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in shown.content.decode()
    device = TOTPDevice.objects.get(user=world.alice, confirmed=False)
    assert client.get(setup).status_code == 200
    assert TOTPDevice.objects.filter(user=world.alice).count() == 1  # the same key again
    wrong = client.post(setup, {"code": "000000", "next": f"/cases/{case.pk}/"})
    assert wrong.status_code == 422
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    time.sleep(1.1)  # a failure makes the next try wait a second
    device.refresh_from_db()
    done = client.post(setup, {"code": code(device), "next": f"/cases/{case.pk}/"})
    assert done.status_code == 200
    codes = StaticToken.objects.filter(device__user=world.alice)
    assert codes.count() == 10
    assert all(t.token in done.content.decode() for t in codes)
    assert client.get(reverse("web:case", args=[case.pk])).status_code == 200
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 200

    # The next sign-in asks for a code; a recovery code works once.
    again = sign_in("alice")
    asked = again.get(reverse("web:case", args=[case.pk]))
    assert asked["Location"] == f"{reverse('web:otp_verify')}?next=/cases/{case.pk}/"
    recovery = codes.first()
    assert recovery is not None
    used = again.post(reverse("web:otp_verify"), {"code": recovery.token, "next": "/"})
    assert used["Location"] == "/"
    assert again.get("/").status_code == 200
    third = sign_in("alice")
    refused = third.post(reverse("web:otp_verify"), {"code": recovery.token})
    assert refused.status_code == 422
    assert "The code is not right" in refused.content.decode()
    assert third.get("/")["Location"].startswith(reverse("web:otp_verify"))
    device.refresh_from_db()
    ok = third.post(reverse("web:otp_verify"), {"code": code(device, later=1), "next": "/"})
    assert ok["Location"] == "/"


def test_without_the_requirement_a_password_is_enough(world: World, settings: Any) -> None:
    settings.TERGEU_OTP_REQUIRED = False
    client = sign_in("alice")
    assert client.get("/").status_code == 200


def test_a_person_with_no_appointment_is_not_asked(world: World) -> None:
    client = sign_in("oscar")
    assert client.get("/").status_code == 200

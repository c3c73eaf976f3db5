"""Signing in with the certificate key: the challenge signed by the official's key (the
development CA's, as NCALayer would with a real one) signs them in, past the second factor; a
signature over other bytes, a certificate no official holds, an expired
or reused challenge are refused, and nobody is signed in."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.signing.cms import cms_sign
from tergeu.signing.devca import dev_certificates_issue
from tests.conftest import VALID_IIN, World
from tests.test_act_signing import PETRA_IIN, p12_of


@pytest.fixture
def keyed(world: World) -> World:
    for official, iin in ((world.alice, VALID_IIN), (world.petra, PETRA_IIN)):
        official.iin = iin
        official.save(update_fields=["iin"])
    dev_certificates_issue([world.alice, world.petra])
    return world


def challenge(client: Client) -> bytes:
    response = client.post(reverse("web:certificate_challenge"))
    assert response.status_code == 200
    return base64.b64decode(response.json()["data"])


def answer(client: Client, cms: bytes, next_: str = "") -> Any:
    body = {"cms": base64.b64encode(cms).decode(), "next": next_}
    return client.post(
        reverse("web:certificate_sign_in"), json.dumps(body), content_type="application/json"
    )


def signed_in(client: Client) -> bool:
    return client.get(reverse("web:my_cases")).status_code == 200


def test_the_official_s_key_signs_them_in_past_the_second_factor(
    keyed: World, settings: Any
) -> None:
    settings.TERGEU_OTP_REQUIRED = True
    client = Client()
    data = challenge(client)
    assert b"tergeu sign-in" in data
    done = answer(client, cms_sign(data, official=keyed.alice, p12=p12_of(keyed.alice)), "/inbox/")
    assert done.status_code == 200, done.json()
    assert done.json() == {"next": "/inbox/"}
    assert signed_in(client)  # no second factor asked: the key was it


def test_what_is_refused_signs_nobody_in(keyed: World) -> None:
    alice = keyed.alice
    client = Client()
    data = challenge(client)
    other_bytes = answer(client, cms_sign(data + b"!", official=alice, p12=p12_of(alice)))
    assert other_bytes.status_code in (403, 422), other_bytes.json()
    assert not signed_in(client)
    # The challenge is used up by the refused answer.
    again = answer(client, cms_sign(data, official=alice, p12=p12_of(alice)))
    assert again.json()["error"]["code"] == "challenge_expired"
    # A key whose IIN no official holds.
    Official.objects.filter(pk=keyed.petra.pk).update(iin="")
    data = challenge(client)
    stranger = answer(client, cms_sign(data, official=keyed.petra, p12=p12_of(keyed.petra)))
    assert stranger.json()["error"]["code"] == "certificate_not_registered"
    # An expired challenge.
    data = challenge(client)
    with clock.frozen(clock.now() + timedelta(minutes=3)):
        late = answer(client, cms_sign(data, official=alice, p12=p12_of(alice)))
    assert late.json()["error"]["code"] == "challenge_expired"
    # Not base64, and no challenge at all.
    client.post(reverse("web:certificate_challenge"))
    bad = client.post(
        reverse("web:certificate_sign_in"),
        json.dumps({"cms": "***"}),
        content_type="application/json",
    )
    assert bad.json()["error"]["code"] == "cms_invalid"
    assert answer(Client(), b"x").json()["error"]["code"] == "challenge_expired"
    assert not signed_in(client)

"""Signing in with the official's certificate key (the same keys and checks as signing a
document, docs/signing.md): the server gives a challenge — fresh random bytes naming the site,
kept in the visitor's session for two minutes and good once — the official's signing
application (NCALayer) makes a detached CMS over it, and the server verifies the CMS exactly as
a document's: intact, over these bytes, the certificate meant for signing, valid now, chained
to a trusted authority and not revoked. The certificate's IIN names the official (one active
account). A key held on a token behind a PIN is the second factor itself."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.errors import Forbidden, InvalidInput
from tergeu.signing.certificates import iin_of
from tergeu.signing.cms import CMS_MAX, cms_parse, cms_verify

SESSION_KEY = "tergeu_sign_in_challenge"
CHALLENGE_SECONDS = 120


def challenge_issue(session: Any, host: str) -> bytes:
    """New challenge bytes, remembered in `session` (replacing any earlier one)."""
    now = int(clock.now().timestamp())
    data = f"tergeu sign-in\n{host}\n{secrets.token_hex(32)}\n{now}\n".encode()
    session[SESSION_KEY] = {"data": base64.b64encode(data).decode(), "issued": now}
    return data


def certificate_official(session: Any, cms_base64: str) -> Official:
    """The official whose certificate key signed the session's challenge. The challenge is
    used up whatever the outcome. Refused: no challenge or an expired one, a CMS that does not
    decode, verify or chain, a certificate no single active official holds."""
    kept = session.pop(SESSION_KEY, None)
    if not kept or int(clock.now().timestamp()) - int(kept["issued"]) > CHALLENGE_SECONDS:
        raise InvalidInput(
            _("The sign-in request has expired. Start again."), code="challenge_expired"
        )
    if len(cms_base64) > CMS_MAX:
        raise InvalidInput(
            _("The signature is longer than %(limit)d characters.") % {"limit": CMS_MAX},
            code="cms_too_large",
            details={"limit": CMS_MAX},
        )
    try:
        cms = base64.b64decode(cms_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(_("The signature is not valid base64."), code="cms_invalid") from exc
    iin = iin_of(cms_parse(cms).certificate)
    officials = list(Official.objects.filter(iin=iin, is_active=True)[:2]) if iin else []
    if len(officials) != 1:
        raise Forbidden(
            _("No official holds this certificate. Ask the administrator to record your IIN."),
            code="certificate_not_registered",
        )
    cms_verify(base64.b64decode(kept["data"]), cms, official=officials[0])
    return officials[0]

"""Officials' credentials."""

import hashlib
import secrets

from tergeu import clock
from tergeu.accounts.models import ApiToken, Official


def token_create(*, official: Official, label: str = "") -> str:
    """Create an API token for `official` and return it; only its hash is kept."""
    token = "tg_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        official=official,
        key_sha256=hashlib.sha256(token.encode()).hexdigest(),
        label=label,
        created_at=clock.now(),
    )
    return token


def token_official(token: str) -> Official | None:
    """The active official a token belongs to, or None."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = (
        ApiToken.objects.select_related("official")
        .filter(key_sha256=digest, revoked_at__isnull=True, official__is_active=True)
        .first()
    )
    return row.official if row else None

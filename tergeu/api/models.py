"""Requests made safe to retry: a POST sent with an `Idempotency-Key` is answered once, and a
retry with the same key gets the same answer instead of doing the work again (tergeu/api/
idempotency.py)."""

from typing import ClassVar

from django.db import models


class IdempotentRequest(models.Model):
    """The answer given to one POST with an Idempotency-Key, stored in the transaction of the
    work it reports, so that either both are kept or neither is."""

    # Whose key: SHA-256 of the bearer token, or the signed-in session's official.
    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)  # the method, path and body it answered
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotent_request_key")
        ]
        indexes: ClassVar = [models.Index(fields=["created_at"], name="idempotent_request_age")]

    def __str__(self) -> str:
        return f"{self.key} → {self.status}"

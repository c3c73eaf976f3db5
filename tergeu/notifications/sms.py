"""SMS gateways. The outbox hands a message to the gateway class that `TERGEU_SMS_GATEWAY`
names; a gateway for a real operator implements `send` the same way (raise on failure, and the
outbox retries). Console and file gateways are for development, the locmem gateway for tests."""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

from tergeu import clock


class GatewayError(Exception):
    """The gateway did not take the message; the outbox will try again."""


class SmsGateway(ABC):
    """Send one text message to one phone number (E.164, e.g. +77011234567)."""

    # A gateway that reports delivery later (a delivery receipt calls
    # `notifications.outbox.notification_receipt`) leaves a message "sent" until then; one
    # that does not, has delivered it when `send` returns.
    receipts: ClassVar[bool] = False

    @abstractmethod
    def send(self, phone: str, text: str) -> None:
        """Hand the message over; raise (GatewayError or any error) when it was not taken."""


class ConsoleGateway(SmsGateway):
    """Writes each message to standard output (development)."""

    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")
        sys.stdout.flush()


class FileGateway(SmsGateway):
    """Appends each message to `sms.log` in the directory `TERGEU_SMS_FILE_PATH` (development)."""

    def send(self, phone: str, text: str) -> None:
        folder = Path(settings.TERGEU_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "sms.log").open("a", encoding="utf-8") as log:
            log.write(f"{clock.now().isoformat()}\t{phone}\t{text}\n")


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str


class LocmemGateway(SmsGateway):
    """Keeps messages in `LocmemGateway.outbox` (tests), like Django's locmem e-mail backend."""

    outbox: ClassVar[list[Sms]] = []

    def send(self, phone: str, text: str) -> None:
        LocmemGateway.outbox.append(Sms(phone, text))


class UnconfiguredGateway(SmsGateway):
    """The default on a server until a real gateway is configured: every message fails (and the
    reconciliation reports it) instead of disappearing."""

    def send(self, phone: str, text: str) -> None:
        raise GatewayError("no SMS gateway is configured (TERGEU_SMS_GATEWAY)")


def gateway() -> SmsGateway:
    """An instance of the configured gateway."""
    gateway_class: type[SmsGateway] = import_string(settings.TERGEU_SMS_GATEWAY)
    return gateway_class()

"""The sign-in locked after repeated failures (docs/security.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.test_refusals import database_state

LOGIN = reverse("web:login")


def sign_in(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def lock_rita() -> Client:
    """Five wrong passwords for Rita from one address: the fifth locks."""
    client = Client(headers={"accept-language": "en"})
    for _ in range(4):
        refused = sign_in(client, "rita", "wrong")
        assert refused.status_code == 200
        assert "Please enter a correct username and password" in refused.content.decode()
    locked = sign_in(client, "rita", "wrong")
    assert locked.status_code == 429
    assert "Too many failed attempts to sign in" in locked.content.decode()
    return client


def shift_attempts(minutes: int) -> None:
    """As if the failed attempts had been made `minutes` earlier (django-axes counts its
    cool-off in real time)."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def test_repeated_failures_lock_the_sign_in_even_with_the_right_password(world: World) -> None:
    before = {k: v for k, v in database_state().items() if not k.startswith("axes.")}
    client = lock_rita()
    page = sign_in(client, "rita", "pw-rita-123")
    assert page.status_code == 429
    text = page.content.decode()
    assert "blocked for 15 minutes, even with the right password" in text
    assert 'role="alert"' in text
    assert 'value="rita"' in text  # the form is there again, for after the cool-off
    assert client.get(reverse("web:my_cases")).status_code == 302  # not signed in
    # Nothing was written but django-axes' own count of the failures.
    after = {k: v for k, v in database_state().items() if not k.startswith("axes.")}
    assert after == before
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.failures_since_start) == ("rita", 5)
    assert "pw-rita" not in attempt.post_data
    assert "csrfmiddlewaretoken=" not in attempt.post_data.replace("csrfmiddlewaretoken=*", "")


def test_the_lock_is_for_that_user_from_that_address(world: World) -> None:
    lock_rita()
    # Another official from the same address, and Rita from another, sign in.
    assert sign_in(Client(), "victor", "pw-victor-123").status_code == 302
    elsewhere = sign_in(Client(REMOTE_ADDR="10.1.2.3"), "rita", "pw-rita-123")
    assert elsewhere.status_code == 302


def test_the_lock_ends_after_the_cool_off_however_often_one_tries(world: World) -> None:
    client = lock_rita()
    shift_attempts(14)
    assert sign_in(client, "rita", "pw-rita-123").status_code == 429
    assert sign_in(client, "rita", "wrong").status_code == 429
    # Trying during the lockout did not prolong it.
    shift_attempts(1)
    signed_in = sign_in(client, "rita", "pw-rita-123")
    assert signed_in.status_code == 302
    assert client.get(reverse("web:my_cases")).status_code == 200
    assert not AccessAttempt.objects.exists()  # success forgets the failures


def test_a_successful_sign_in_forgets_earlier_failures(world: World) -> None:
    client = Client()
    for _ in range(4):
        sign_in(client, "rita", "wrong")
    assert sign_in(client, "rita", "pw-rita-123").status_code == 302
    again = Client()
    for _ in range(4):
        assert sign_in(again, "rita", "wrong").status_code == 200


def test_the_admin_sign_in_is_locked_too(world: World) -> None:
    client = Client(headers={"accept-language": "en"})
    admin_login = reverse("admin:login")
    for _ in range(4):
        assert sign_in_at(client, admin_login, "adam", "wrong").status_code == 200
    locked = sign_in_at(client, admin_login, "adam", "wrong")
    assert locked.status_code == 429
    assert "Too many failed attempts to sign in" in locked.content.decode()


def sign_in_at(client: Client, url: str, username: str, password: str) -> Any:
    return client.post(url, {"username": username, "password": password, "next": "/admin/"})


def test_the_lockout_speaks_the_readers_language(world: World) -> None:
    for _ in range(5):
        page = sign_in(Client(headers={"accept-language": "ru"}), "rita", "wrong")
    assert page.status_code == 429
    assert "Слишком много неудачных попыток входа" in page.content.decode()
    kazakh = sign_in(Client(headers={"accept-language": "kk"}), "rita", "pw-rita-123")
    assert kazakh.status_code == 429
    assert "Too many failed attempts" not in kazakh.content.decode()

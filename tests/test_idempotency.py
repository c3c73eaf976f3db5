"""The API under faults: a POST retried with its Idempotency-Key is answered with the stored
answer and does nothing again, concurrent retries included; a key reused for another request,
or a malformed one, is refused with nothing written; a request that finds the database away is
told 503 with Retry-After, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection

from tergeu.api.models import IdempotentRequest
from tergeu.cases.models import Case
from tergeu.journal.models import Act
from tergeu.journal.verify import verify_case
from tests.conftest import ApiClient, World, open_case
from tests.test_concurrency import THREADS, race
from tests.test_refusals import assert_error, database_state

NOTE = {"kind": "note", "payload": {"text": "a witness came forward"}}


def post(client: ApiClient, path: str, body: dict[str, Any], key: str) -> Any:
    return client.client.post(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        headers={**client.headers, "Idempotency-Key": key},
    )


def test_a_retry_gets_the_first_answer_and_writes_nothing_more(world: World) -> None:
    case = open_case(world, notes=0)
    alice = ApiClient(world.alice)
    first = post(alice, f"/cases/{case.pk}/acts", NOTE, "k-1")
    assert first.status_code == 201, first.json()
    before = database_state()
    again = post(alice, f"/cases/{case.pk}/acts", NOTE, "k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert database_state() == before
    # Another key is another request.
    assert (
        post(alice, f"/cases/{case.pk}/acts", NOTE, "k-2").json()["seq"] == first.json()["seq"] + 1
    )
    # The same key from another official is theirs.
    petra = post(ApiClient(world.petra), f"/cases/{case.pk}/acts", NOTE, "k-1")
    assert petra.status_code == 201
    assert "Idempotent-Replayed" not in petra


def test_a_key_reused_or_malformed_is_refused_and_nothing_is_written(world: World) -> None:
    case = open_case(world, notes=0)
    alice = ApiClient(world.alice)
    assert post(alice, f"/cases/{case.pk}/acts", NOTE, "k-1").status_code == 201
    before = database_state()
    other = {"kind": "note", "payload": {"text": "another note"}}
    assert_error(post(alice, f"/cases/{case.pk}/acts", other, "k-1"), 422, "idempotency_key_reused")
    assert_error(
        post(alice, f"/cases/{case.pk}/acts", NOTE, "x" * 201), 422, "invalid_idempotency_key"
    )
    assert_error(post(alice, f"/cases/{case.pk}/acts", NOTE, ""), 422, "invalid_idempotency_key")
    assert database_state() == before


def test_a_refused_request_is_not_kept_and_is_judged_again(world: World) -> None:
    case = open_case(world, notes=0)
    alice = ApiClient(world.alice)
    empty = {"kind": "note", "payload": {"text": ""}}
    refused = post(alice, f"/cases/{case.pk}/acts", empty, "k-1")
    assert refused.status_code == 422
    assert not IdempotentRequest.objects.exists()
    assert post(alice, f"/cases/{case.pk}/acts", NOTE, "k-1").status_code == 201


@pytest.mark.usefixtures("flushable_journal")
def test_concurrent_retries_of_one_key_write_once(world: World, tmp_path: Path) -> None:
    case = open_case(world, notes=0)
    alice = ApiClient(world.alice)
    token = alice.headers

    def send(i: int) -> tuple[int, int]:
        client = ApiClient.__new__(ApiClient)
        client.client, client.headers = type(alice.client)(), token
        response = post(client, f"/cases/{case.pk}/acts", NOTE, "the-same-key")
        return response.status_code, response.json()["seq"]

    answers = race(tmp_path, send)
    assert set(answers) == {(201, 4)}, answers
    assert len(answers) == THREADS
    assert Act.objects.filter(case=case, kind="note").count() == 1
    assert verify_case(Case.objects.get(pk=case.pk)) == []


def test_the_database_away_is_a_503_and_nothing_is_written(world: World) -> None:
    case = open_case(world, notes=0)
    alice = ApiClient(world.alice)
    before = database_state()

    def away(*args: Any) -> Any:
        raise OperationalError("connection refused")

    with connection.execute_wrapper(away):
        listed = alice.get("/cases")
        written = post(alice, f"/cases/{case.pk}/acts", NOTE, "k-1")
    for response in (listed, written):
        assert_error(response, 503, "database_unavailable")
        assert response["Retry-After"] == "5"
    assert database_state() == before
    assert post(alice, f"/cases/{case.pk}/acts", NOTE, "k-1").status_code == 201

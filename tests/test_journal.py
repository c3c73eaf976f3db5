"""The journal's invariants: the database refuses to change an act, canonical bytes are
deterministic, the hash chain holds, and `verify_journal` finds every kind of tampering."""

from __future__ import annotations

import importlib
import io
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from tergeu import clock
from tergeu.cases.models import Case, CaseAssignment, Participant, Stage
from tergeu.errors import Conflict
from tergeu.journal.canonical import GENESIS_HASH, act_document, canonical_bytes, sha256_hex
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.journal.verify import verify_case
from tests.conftest import World, open_case

MIGRATION = importlib.import_module("tergeu.journal.migrations.0002_append_only")


# --- the database refuses UPDATE and DELETE -------------------------------------------------


def _raw_update(act: Act) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE journal_act SET kind = 'forged' WHERE id = %s", [act.pk])


def _raw_delete(act: Act) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM journal_act WHERE id = %s", [act.pk])


def _orm_update(act: Act) -> None:
    Act.objects.filter(pk=act.pk).update(payload={"text": "forged"})


def _orm_delete(act: Act) -> None:
    Act.objects.filter(pk=act.pk).delete()


def _save(act: Act) -> None:
    act.kind = "forged"
    act.save(update_fields=["kind"])


def _delete(act: Act) -> None:
    act.delete()


@pytest.mark.parametrize(
    "change", [_raw_update, _raw_delete, _orm_update, _orm_delete, _save, _delete]
)
def test_database_refuses_to_change_an_act(change: Any, world: World) -> None:
    case = open_case(world)
    act = Act.objects.get(case=case, seq=2)
    before = (act.kind, act.payload, Act.objects.count())

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change(act)

    after = Act.objects.get(case=case, seq=2)
    assert (after.kind, after.payload, Act.objects.count()) == before
    assert verify_case(case) == []


def test_registration_opens_the_journal_only_once(world: World) -> None:
    case = open_case(world)
    before = Act.objects.count()
    with pytest.raises(Conflict) as refused:
        act_append(
            case=case,
            kind="registration",
            actor=world.rita,
            payload={
                "register_number": "999999999999999",
                "summary": "again",
                "qualification": {"article": "188", "offence_category": "small"},
                "investigation_unit_id": world.unit.pk,
                "supervising_office_id": world.district_office.pk,
            },
        )
    assert refused.value.code == "registration_order"
    assert Act.objects.count() == before


# --- canonical bytes ------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers() | st.text()
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)
payloads = st.dictionaries(st.text(), json_values, max_size=6)


def reordered(value: Any, rng: random.Random) -> Any:
    """The same value with every object's keys inserted in a random order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {key: reordered(value[key], rng) for key in keys}
    if isinstance(value, list):
        return [reordered(item, rng) for item in value]
    return value


@given(payloads, st.randoms(use_true_random=False))
def test_canonical_bytes_do_not_depend_on_key_order(
    payload: dict[str, Any], rng: random.Random
) -> None:
    data = canonical_bytes(payload)
    assert canonical_bytes(reordered(payload, rng)) == data
    assert json.loads(data.decode("utf-8")) == payload
    # Canonical of canonical is itself: no whitespace, no escapes left to normalise.
    assert canonical_bytes(json.loads(data)) == data


@given(payloads, st.text(), st.floats(allow_nan=True, allow_infinity=True))
def test_floats_have_no_canonical_form(payload: dict[str, Any], key: str, number: float) -> None:
    with pytest.raises(TypeError, match="float has no canonical form"):
        canonical_bytes({**payload, key: [{"amount": number}]})


def test_canonical_bytes_by_example() -> None:
    value = {"b": [1, True, None], "a": {"ә": 'Қазақ "тілі"\n'}, "A": -0, "\ufb01": 1, "😀": 2}
    assert canonical_bytes(value) == (
        '{"A":0,"a":{"ә":"Қазақ \\"тілі\\"\\n"},"b":[1,true,null],"ﬁ":1,"😀":2}'.encode()
    )
    with pytest.raises(TypeError, match="keys must be strings"):
        canonical_bytes({"a": {1: "x"}})


# --- hash chain -----------------------------------------------------------------------------


def test_acts_form_a_hash_chain(world: World) -> None:
    case = open_case(world, notes=3)
    acts = list(Act.objects.filter(case=case).order_by("seq"))

    assert [a.seq for a in acts] == list(range(1, 7))
    assert acts[0].prev_hash == GENESIS_HASH
    for previous, act in zip(acts, acts[1:], strict=False):
        assert act.prev_hash == previous.hash
    for act in acts:
        assert sha256_hex(bytes(act.canonical)) == act.hash
        assert bytes(act.canonical) == act_document(
            register_number=case.register_number,
            seq=act.seq,
            kind=act.kind,
            payload=act.payload,
            actor_id=act.actor_id,
            actor_role=act.actor_role,
            performed_at=act.performed_at,
            recorded_at=act.recorded_at,
            prev_hash=act.prev_hash,
        )
    case.refresh_from_db()
    assert (case.last_seq, case.last_hash) == (6, acts[-1].hash)
    assert verify_case(case) == []


def test_an_act_may_be_recorded_after_it_was_performed(world: World) -> None:
    case = open_case(world)
    detained_at = clock.now() - timedelta(hours=3)
    act = act_append(
        case=case,
        kind="note",
        actor=world.alice,
        payload={"text": "Detained"},
        performed_at=detained_at,
    )
    document = json.loads(bytes(Act.objects.get(pk=act.pk).canonical))
    assert document["performed_at"] < document["recorded_at"]
    assert Act.objects.get(pk=act.pk).performed_at == detained_at
    assert verify_case(case) == []


# --- tampering and verify_journal -----------------------------------------------------------


@contextmanager
def update_trigger_lifted() -> Iterator[None]:
    """Let this test UPDATE acts, as someone with the database's owner rights could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL alters no table with pending trigger events: the test transaction's
            # deferred foreign-key checks run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE journal_act DISABLE TRIGGER journal_act_no_update")
            try:
                yield
            finally:
                cursor.execute("ALTER TABLE journal_act ENABLE TRIGGER journal_act_no_update")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("DROP TRIGGER journal_act_no_update")
            try:
                yield
            finally:
                (create,) = [s for s in MIGRATION.SQLITE_UP if "journal_act_no_update" in s]
                cursor.execute(create)


def tamper(case: Case, seq: int, column: str, value: Any) -> None:
    placeholder = "%s"
    if column == "payload":
        value = json.dumps(value)
        placeholder = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    with update_trigger_lifted(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE journal_act SET {column} = {placeholder} WHERE case_id = %s AND seq = %s",  # noqa: S608
            [value, case.pk, seq],
        )


def verify_journal(*args: str) -> tuple[int, list[str]]:
    """Run the command; its exit status and its PROBLEM lines."""
    out = io.StringIO()
    try:
        call_command("verify_journal", "--quiet", *args, stdout=out)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("verified ")
    return status, [line for line in lines if line.startswith("PROBLEM ")]


def test_clean_journal_passes(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [open_case(world), open_case(world, notes=0)]
    out = io.StringIO()

    call_command("verify_journal", stdout=out)

    assert out.getvalue().strip().endswith(": OK")
    assert f"verified 2 cases, {sum(c.last_seq for c in cases)} acts" in out.getvalue()
    assert "2/2 cases" in capsys.readouterr().err  # the progress bar
    assert [verify_case(c) for c in cases] == [[], []]


def test_changed_payload_is_reported(world: World) -> None:
    case, other = open_case(world), open_case(world)
    tamper(case, 4, "payload", {"text": "The victim withdrew the statement"})
    assert Act.objects.get(case=case, seq=4).payload == {
        "text": "The victim withdrew the statement"
    }

    status, problems = verify_journal()

    assert status == 1
    assert problems == [
        f"PROBLEM {case.register_number} act 4: "
        "recorded fields differ from the canonical bytes that were hashed"
    ]
    assert verify_case(other) == []
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _orm_update(Act.objects.get(case=case, seq=4))  # the trigger is back


def test_broken_chain_is_reported(world: World) -> None:
    case = open_case(world)
    tamper(case, 3, "prev_hash", "f" * 64)

    status, problems = verify_journal()

    assert status == 1
    assert (
        f"PROBLEM {case.register_number} act 3: hash chain broken: prev_hash is not the previous act's hash"
        in problems
    )


def test_consistent_forgery_breaks_the_next_link(world: World) -> None:
    """A forger who rewrites an act together with its canonical bytes and hash still cannot
    mend the next act's prev_hash without rewriting the rest of the chain."""
    case = open_case(world, notes=3)
    act = Act.objects.get(case=case, seq=4)
    forged_payload = {"text": "forged"}
    canonical = act_document(
        register_number=case.register_number,
        seq=act.seq,
        kind=act.kind,
        payload=forged_payload,
        actor_id=act.actor_id,
        actor_role=act.actor_role,
        performed_at=act.performed_at,
        recorded_at=act.recorded_at,
        prev_hash=act.prev_hash,
    )
    tamper(case, 4, "payload", forged_payload)
    tamper(case, 4, "canonical", canonical)
    tamper(case, 4, "hash", sha256_hex(canonical))

    status, problems = verify_journal()

    assert status == 1
    assert problems == [
        f"PROBLEM {case.register_number} act 5: "
        "hash chain broken: prev_hash is not the previous act's hash"
    ]


def test_sequence_gap_is_reported(world: World) -> None:
    case = open_case(world)
    tamper(case, 5, "seq", 7)

    status, problems = verify_journal()

    assert status == 1
    number = case.register_number
    assert f"PROBLEM {number} act 7: sequence gap: expected 5" in problems
    assert f"PROBLEM {number} case: journal has 7 acts, case head says 5" in problems


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: Case.objects.filter(pk=c.pk).update(stage=Stage.TERMINATED), "stage"),
        (
            lambda c: Case.objects.filter(pk=c.pk).update(qualification_part="3"),
            "qualification_part",
        ),
        (lambda c: Participant.objects.filter(case=c).delete(), "participants"),
        (
            lambda c: CaseAssignment.objects.filter(case=c, official__username="alice").delete(),
            "assigned",
        ),
    ],
    ids=["stage", "qualification", "participant", "assignment"],
)
def test_projection_mismatch_is_reported(change: Any, field: str, world: World) -> None:
    case = open_case(world)
    change(case)

    status, problems = verify_journal()

    assert status == 1
    assert problems == [
        f"PROBLEM {case.register_number} case: projection differs from the journal in {field}"
    ]


def test_one_case_can_be_verified_alone(world: World) -> None:
    case, other = open_case(world), open_case(world)
    tamper(other, 2, "payload", {"investigator_id": world.victor.pk, "form": "inquiry"})

    assert verify_journal("--case", case.register_number) == (0, [])
    status, problems = verify_journal("--case", other.register_number)
    assert status == 1
    assert all(line.startswith(f"PROBLEM {other.register_number} ") for line in problems)
    assert (
        f"PROBLEM {other.register_number} case: projection differs from the journal in assigned"
        in problems
    )

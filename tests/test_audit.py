"""The access audit: every read in its official's hash chain, kept by the database as written,
every edit or removal found by `verify_access_log`; who read a case, for its procedural
prosecutor and auditors; break-glass access on a written reason, read only, marked, the
prosecutor told; every refusal writing nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from tergeu import clock
from tergeu.access.audit import verify_access_log
from tergeu.access.gate import access_log
from tergeu.access.models import AccessChain, AccessLog, BreakGlass, Surface
from tergeu.accounts.models import Official, Role
from tergeu.cases.models import Case
from tergeu.journal.services import act_append
from tergeu.notifications.models import Notification, NotificationKind
from tests.conftest import ApiClient, World, open_case
from tests.test_concurrency import THREADS, race
from tests.test_covert import Covert
from tests.test_integrity import triggers_lifted, verify_command
from tests.test_refusals import assert_error, database_state

REASON = "The suspect detained tonight is named in this case; his custody hearing is at 9."


def reads(client: ApiClient, case: Case, n: int) -> None:
    for _ in range(n):
        assert client.get(f"/cases/{case.pk}").status_code == 200


def verify() -> tuple[int, list[str]]:
    return verify_command("verify_access_log")


def with_prosecutor(world: World) -> Case:
    case: Case = open_case(world, notes=0)
    act_append(
        case=case,
        kind="procedural_prosecutor_assignment",
        actor=world.petra,
        payload={"prosecutor_id": world.petra.pk},
    )
    return Case.objects.get(pk=case.pk)


# --- the chain -----------------------------------------------------------------------------------


def test_each_official_s_reads_form_a_chain_with_where_they_came_from(world: World) -> None:
    case = open_case(world, notes=0)
    alice = ApiClient(world.alice)
    alice.client.defaults["REMOTE_ADDR"] = "10.1.2.3"
    reads(alice, case, 3)
    reads(ApiClient(world.petra), case, 2)
    mine = list(AccessLog.objects.filter(official=world.alice).order_by("seq"))
    assert [e.seq for e in mine] == [1, 2, 3]
    assert [e.prev_hash for e in mine[1:]] == [e.hash for e in mine[:-1]]
    assert {e.address for e in mine} == {"10.1.2.3"}
    head = AccessChain.objects.get(official=world.alice)
    assert (head.seq, head.hash) == (3, mine[-1].hash)
    assert verify() == (0, [])


@pytest.mark.parametrize(
    "statement",
    ["UPDATE access_accesslog SET action = 'nothing'", "DELETE FROM access_accesslog"],
)
def test_the_database_refuses_to_change_an_entry(statement: str, world: World) -> None:
    reads(ApiClient(world.alice), open_case(world, notes=0), 2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AccessLog.objects.filter(official=world.alice).count() == 2


def _lifted(sql: str, params: list[Any] | None = None) -> None:
    """Run `sql` as someone with the database owner's rights could: the triggers lifted."""
    with triggers_lifted("access_accesslog"), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.fixture
def chained(world: World) -> list[AccessLog]:
    reads(ApiClient(world.alice), open_case(world, notes=0), 4)
    assert verify() == (0, [])
    return list(AccessLog.objects.filter(official=world.alice).order_by("seq"))


def test_an_edited_entry_is_found(chained: list[AccessLog]) -> None:
    _lifted("UPDATE access_accesslog SET address = '192.0.2.1' WHERE id = %s", [chained[1].pk])
    status, problems = verify()
    assert status == 1
    assert problems == [
        f"PROBLEM official {chained[1].official_id} entry 2 (id {chained[1].pk}): its content "
        "does not match its hash"
    ]


def test_a_removed_entry_is_found(chained: list[AccessLog]) -> None:
    _lifted("DELETE FROM access_accesslog WHERE id = %s", [chained[1].pk])
    status, problems = verify()
    assert status == 1
    assert any("entry 3" in p and "a gap or a duplicate" in p for p in problems), problems
    assert any("does not follow the entry before it" in p for p in problems), problems


def test_the_last_entries_removed_are_found_by_the_head(chained: list[AccessLog]) -> None:
    _lifted("DELETE FROM access_accesslog WHERE id = %s", [chained[-1].pk])
    status, problems = verify()
    assert status == 1
    assert problems == [
        f"PROBLEM official {chained[0].official_id}: the chain ends at entry 3, its head says 4: "
        "entries were removed or the head was changed"
    ]


def test_a_rehashed_entry_breaks_the_next_link(chained: list[AccessLog]) -> None:
    """Someone who edits an entry and recomputes its hash still breaks the entry after it."""
    from tergeu.access.audit import entry_hash

    forged = chained[1]
    forged.detail = {"forged": True}
    _lifted(
        "UPDATE access_accesslog SET detail = %s, hash = %s WHERE id = %s",
        ['{"forged": true}', entry_hash(forged), forged.pk],
    )
    status, problems = verify()
    assert status == 1
    assert problems == [
        f"PROBLEM official {forged.official_id} entry 3 (id {chained[2].pk}): does not follow "
        "the entry before it"
    ]


@pytest.mark.usefixtures("flushable_journal")
def test_concurrent_reads_of_one_official_chain_without_gaps(world: World, tmp_path: Path) -> None:
    """Eight requests of one official at once (tests/test_concurrency.py's race): the head's
    row lock puts their entries one after another."""
    case = open_case(world, notes=0)
    each = 10

    def reader(i: int) -> int:
        official, mine = Official.objects.get(pk=world.alice.pk), Case.objects.get(pk=case.pk)
        for _ in range(each):
            access_log(official, surface=Surface.API, action="view_case", case=mine)
        return i

    assert sorted(race(tmp_path, reader)) == list(range(THREADS))  # type: ignore[type-var]
    seqs = AccessLog.objects.filter(official=world.alice).values_list("seq", flat=True)
    assert sorted(seqs) == list(range(1, THREADS * each + 1))
    assert verify_access_log().problems == []


# --- who read the case ---------------------------------------------------------------------------


def test_the_procedural_prosecutor_and_an_auditor_list_who_read_the_case(world: World) -> None:
    case = with_prosecutor(world)
    reads(ApiClient(world.alice), case, 2)
    auditor = world.official("audrey", world.gpo, Role.AUDITOR)
    petra = ApiClient(world.petra).get(f"/cases/{case.pk}/readers")
    assert petra.status_code == 200, petra.json()
    body = petra.json()
    assert body["register_number"] == case.register_number
    alice_reads = [r for r in body["reads"] if r["official_id"] == world.alice.pk]
    assert [r["action"] for r in alice_reads] == ["view_case", "view_case"]
    assert all(not r["break_glass"] for r in body["reads"])
    # The auditor reads any case's log without seeing the case, and the listing is logged.
    audited = ApiClient(auditor).get(f"/cases/{case.pk}/readers")
    assert audited.status_code == 200
    assert [r["action"] for r in audited.json()["reads"]][0] == "view_readers"
    assert ApiClient(auditor).get(f"/cases/{case.pk}").status_code == 404
    assert AccessLog.objects.filter(official=auditor, action="view_readers").count() == 1


def test_others_may_not_list_who_read_a_case_and_nothing_is_written(world: World) -> None:
    case = with_prosecutor(world)
    alice, olga, victor = (ApiClient(o) for o in (world.alice, world.olga, world.victor))
    before = database_state()
    logged = AccessLog.objects.count()
    assert_error(alice.get(f"/cases/{case.pk}/readers"), 403, "readers_not_permitted")
    assert_error(olga.get(f"/cases/{case.pk}/readers"), 403, "readers_not_permitted")
    assert_error(victor.get(f"/cases/{case.pk}/readers"), 404, "case_not_found")
    assert database_state() == before
    assert AccessLog.objects.count() == logged


def test_reads_of_a_covert_compartment_are_shown_to_auditors_only(world: World) -> None:
    covert = Covert(world)
    assert covert.sanction(1).status_code == 201
    case = covert.case
    assert ApiClient(world.alice).get(f"/cases/{case.pk}/compartments/1").status_code == 200
    auditor = world.official("audrey", world.gpo, Role.AUDITOR)
    seen = ApiClient(auditor).get(f"/cases/{case.pk}/readers").json()["reads"]
    assert any("compartment" in r["detail"] for r in seen)
    petra = ApiClient(world.petra).get(f"/cases/{case.pk}/readers").json()["reads"]
    assert not any("compartment" in r["detail"] or "compartment" in r["action"] for r in petra)


# --- break glass ---------------------------------------------------------------------------------


def test_break_glass_opens_the_case_to_read_marks_every_read_and_tells_the_prosecutor(
    world: World,
) -> None:
    case = with_prosecutor(world)
    ivan = ApiClient(world.ivan)  # an investigator of another unit
    assert_error(ivan.get(f"/cases/{case.pk}"), 404, "case_not_found")
    opened = ivan.post("/break-glass", {"register_number": case.register_number, "reason": REASON})
    assert opened.status_code == 201, opened.json()
    assert opened.json()["case_id"] == case.pk
    assert ivan.get(f"/cases/{case.pk}").status_code == 200
    assert ivan.get(f"/cases/{case.pk}/acts").status_code == 200
    marked = AccessLog.objects.filter(official=world.ivan, case=case).order_by("seq")
    assert [(e.action, e.break_glass) for e in marked] == [
        ("break_glass", True),
        ("view_case", True),
        ("view_journal", True),
    ]
    assert marked[0].detail["reason"] == REASON
    told = Notification.objects.get(recipient=world.petra, kind=NotificationKind.BREAK_GLASS)
    assert case.register_number in told.text
    assert REASON[:40] in told.text
    # Read only: no act may be written under the grant, and nothing is.
    before = database_state()
    note = ivan.post(f"/cases/{case.pk}/acts", {"kind": "note", "payload": {"text": "x"}})
    assert note.status_code in (403, 409), note.json()
    assert database_state() == before
    # The prosecutor sees the break-glass read highlighted, and the grant with its reason.
    listed = ApiClient(world.petra).get(f"/cases/{case.pk}/readers").json()
    assert [g["reason"] for g in listed["break_glass"]] == [REASON]
    assert any(r["break_glass"] and r["official_id"] == world.ivan.pk for r in listed["reads"])
    # When the grant ends, the case is hidden again.
    with clock.frozen(clock.now() + timedelta(hours=5)):
        assert_error(ApiClient(world.ivan).get(f"/cases/{case.pk}"), 404, "case_not_found")
    assert verify() == (0, [])


def test_break_glass_refusals_write_nothing(world: World) -> None:
    case = with_prosecutor(world)
    lawyer = world.lawyer()
    clients = {o.username: ApiClient(o) for o in (world.ivan, world.alice, lawyer, world.oscar)}
    before = database_state()
    logged = AccessLog.objects.count()

    def ask(name: str, number: str = case.register_number, reason: str = REASON) -> Any:
        return clients[name].post("/break-glass", {"register_number": number, "reason": reason})

    assert_error(ask("lena"), 403, "break_glass_not_allowed")
    assert_error(ask("oscar"), 403, "break_glass_not_allowed")
    assert_error(ask("ivan", reason="urgent"), 422, "reason_required")
    assert_error(ask("ivan", reason=" " * 40), 422, "reason_required")
    assert_error(ask("ivan", number="999999999999999"), 404, "case_not_found")
    assert_error(ask("alice"), 409, "already_visible")
    assert_error(ask("ivan", reason="a\x00" * 20), 422, "nul_character")
    assert database_state() == before
    assert AccessLog.objects.count() == logged
    assert not BreakGlass.objects.exists()


# --- in the browser ------------------------------------------------------------------------------


def test_the_pages_of_the_audit(world: World) -> None:
    from django.urls import reverse

    from tests.test_web import web

    case = with_prosecutor(world)
    readers = reverse("web:readers", args=[case.pk])
    auditor = world.official("audrey", world.gpo, Role.AUDITOR)
    petra, audrey = web(world.petra), web(auditor)
    alice, victor, anonymous = web(world.alice), web(world.victor), web()
    case_page = petra.get(reverse("web:case", args=[case.pk])).content.decode()
    assert f'href="{readers}"' in case_page
    assert (
        f'href="{readers}"' not in alice.get(reverse("web:case", args=[case.pk])).content.decode()
    )
    page = petra.get(readers)
    assert page.status_code == 200
    assert "Petra" in page.content.decode()  # her own read of the case page
    # The auditor lands on the audit, finds the case by its number, and reads its log.
    assert audrey.get(reverse("web:audit")).status_code == 200
    found = audrey.get(reverse("web:audit"), {"register_number": case.register_number})
    assert found["Location"] == readers
    assert audrey.get(readers).status_code == 200
    before = database_state()
    logged = AccessLog.objects.count()
    assert alice.get(readers).status_code == 403
    assert victor.get(readers).status_code == 404
    assert anonymous.get(readers).status_code == 302
    assert petra.get(reverse("web:audit")).status_code == 404
    assert audrey.get(reverse("web:audit"), {"register_number": "12ab"}).status_code == 422
    assert database_state() == before
    assert AccessLog.objects.count() == logged


def test_break_glass_in_the_browser(world: World) -> None:
    from django.urls import reverse

    from tests.test_web import web

    case = with_prosecutor(world)
    url = reverse("web:break_glass")
    ivan, lena = web(world.ivan), web(world.lawyer())
    assert url in ivan.get(reverse("web:my_cases")).content.decode()
    assert url not in lena.get(reverse("web:defence")).content.decode()
    before = database_state()
    logged = AccessLog.objects.count()
    short = ivan.post(url, {"register_number": case.register_number, "reason": "urgent"})
    assert short.status_code == 422
    assert "Write why the case must be read now" in short.content.decode()
    assert lena.get(url).status_code == 404
    assert (
        lena.post(url, {"register_number": case.register_number, "reason": REASON}).status_code
        == 404
    )
    assert database_state() == before
    assert AccessLog.objects.count() == logged
    opened = ivan.post(url, {"register_number": case.register_number, "reason": REASON})
    assert opened["Location"] == reverse("web:case", args=[case.pk])
    page = ivan.get(opened["Location"]).content.decode()
    assert "You are reading this case outside its team" in page
    assert AccessLog.objects.filter(official=world.ivan, case=case, break_glass=True).count() == 2

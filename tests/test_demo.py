"""The demo data (`demo_load`), the benchmark generator (`bench_generate`) and the benchmark
code paths at tiny sizes. Performance itself is measured by `bench/run.py`, never here."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bench.append import append_bench, append_cases
from bench.detail import detail_bench, query_counts
from bench.registration import desks, plain_loop, service_loop
from bench.stats import timing
from tergeu.accounts.models import Agency, AgencyKind, Appointment, Official, Region, Role
from tergeu.cases.models import Case, Stage
from tergeu.demo.bulk import BIG_CASE_SUMMARY
from tergeu.demo.reference import DEMO_PASSWORD, REGIONS
from tergeu.journal.models import Act
from tergeu.persons.iin import parse_iin
from tergeu.persons.models import Person
from tergeu.registry.models import CrimeReport, ReportStatus


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def demo_load() -> str:
    out = StringIO()
    call_command("demo_load", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db: Any) -> str:
    return demo_load()


def test_demo_loads_cases_at_several_stages(demo: str) -> None:
    assert Case.objects.count() >= 45
    stages = set(Case.objects.values_list("stage", flat=True))
    assert {Stage.REGISTERED, Stage.UNDER_INVESTIGATION} <= stages
    forms = set(Case.objects.values_list("investigation_form", flat=True))
    assert {"protocol", "inquiry", "preliminary"} <= forms
    kinds = set(Act.objects.values_list("kind", flat=True))
    assert {"jurisdiction_transfer", "participant_admission", "qualification", "note"} <= kinds
    statuses = set(CrimeReport.objects.values_list("status", flat=True))
    assert {
        ReportStatus.RECEIVED,
        ReportStatus.FORWARDED_ADMINISTRATIVE,
        ReportStatus.FORWARDED_AUDIT,
        ReportStatus.REFUSED,
        ReportStatus.TRANSFERRED,
    } <= statuses


def test_demo_has_every_role_the_regions_and_the_hierarchy(demo: str) -> None:
    assert set(Appointment.objects.values_list("role", flat=True)) == set(Role.values)
    assert Official.objects.get(username="admin").is_superuser
    assert sorted(Region.objects.values_list("code", flat=True)) == sorted(r[0] for r in REGIONS)
    codes = list(Agency.objects.values_list("authority_code", flat=True))
    assert all(len(code) == 4 and code.isdigit() for code in codes)
    district = Agency.objects.get(authority_code="7501")
    assert district.parent is not None
    assert district.parent.kind == AgencyKind.PROSECUTOR_OBLAST
    assert district.path.startswith(Agency.objects.get(kind=AgencyKind.PROSECUTOR_GENERAL).path)
    police = Agency.objects.get(authority_code="7511")
    assert police.supervisor == district
    assert "registrar" in demo
    assert DEMO_PASSWORD in demo


def test_demo_persons_have_valid_iins_and_events_are_in_the_past(demo: str) -> None:
    for iin in Person.objects.values_list("iin", flat=True):
        parse_iin(iin)
    latest = Act.objects.order_by("-performed_at").first()
    assert latest is not None
    assert latest.performed_at <= latest.recorded_at
    spread = Case.objects.order_by("registered_at")
    assert (spread.last().registered_at - spread.first().registered_at).days > 60  # type: ignore[union-attr]


def test_demo_load_twice_changes_nothing(demo: str) -> None:
    before = row_counts()
    out = demo_load()
    assert "nothing to load" in out
    assert row_counts() == before


def test_demo_journal_verifies(demo: str) -> None:
    call_command("verify_journal", "--quiet", stdout=StringIO())


def test_one_demo_case_is_signed_and_its_bundle_verifies(demo: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from tergeu_verify.verify import Trust, verify_bundle

    from tergeu.integrity.bundle import case_bundle
    from tergeu.integrity.signer import log_signer
    from tergeu.signing.devca import dev_ca_open
    from tergeu.signing.models import SignedDocument

    rows = list(SignedDocument.objects.select_related("act__case", "signer"))
    assert {row.role for row in rows} == {"author", "decision"}
    assert len({row.act.case_id for row in rows}) == 1
    case = rows[0].act.case
    assert len({row.act_id for row in rows if row.role == "author"}) == case.last_seq
    bundle = case_bundle(rows[0].signer, case, surface="api", language="ru")
    root = dev_ca_open().certificate.public_bytes(serialization.Encoding.PEM)
    report = verify_bundle(bundle, Trust(roots=[root], log_keys=[log_signer().public_key_der()]))
    assert report.ok, [str(f) for f in report.problems]
    assert sum("valid signature" in f.what for f in report.findings) == case.last_seq


def test_demo_load_refuses_outside_dev_mode(db: Any, settings: Any) -> None:
    settings.DEV_MODE = False
    with pytest.raises(CommandError, match="dev mode"):
        demo_load()
    assert not Official.objects.exists()


def test_bench_generate_builds_a_verifiable_journal(db: Any) -> None:
    out = StringIO()
    call_command("bench_generate", cases=50, acts=500, big_case_acts=100, stdout=out)
    assert Case.objects.count() == 50
    assert Act.objects.count() == 500
    big = Case.objects.get(summary=BIG_CASE_SUMMARY)
    assert big.last_seq == 100
    assert f"id {big.pk}" in out.getvalue()
    call_command("verify_journal", "--quiet", stdout=StringIO())
    with pytest.raises(CommandError, match="--force"):
        call_command("bench_generate", cases=5, acts=50, big_case_acts=10, stdout=out)
    call_command("bench_generate", cases=5, acts=50, big_case_acts=10, force=True, stdout=out)
    numbers = list(Case.objects.values_list("register_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 55
    call_command("verify_journal", "--quiet", stdout=StringIO())


def test_bench_generate_refuses_impossible_sizes(db: Any) -> None:
    with pytest.raises(CommandError, match="acts >="):
        call_command("bench_generate", cases=50, acts=60, big_case_acts=20, stdout=StringIO())


def test_benchmark_code_paths_run_at_tiny_size(db: Any) -> None:
    short, long = append_cases(5, 40)
    result = append_bench(short, long, appends=2, warmup=1)
    assert result.short.n == result.long.n == 2
    # An append never reads the journal: the same statements for a short and a long one.
    assert result.short_queries == result.long_queries
    official = long.lead_investigator
    assert official is not None
    endpoints = detail_bench(long, official, requests=2, warmup=1)
    assert [e.timing.n for e in endpoints if e.name.startswith("API") and e.timing] == [2, 2, 2]
    # The API's case detail and journal: the same queries whatever the journal's length.
    counts = query_counts([short, long], official)
    assert counts["API case detail"][0] == counts["API case detail"][1]
    assert counts["API journal"][0] == counts["API journal"][1]
    assert timing([0.001, 0.003, 0.002]).p50 == pytest.approx(2.0)
    call_command("verify_journal", "--quiet", stdout=StringIO())


def test_registration_paths_write_valid_cases(db: Any) -> None:
    desk = desks(1)[0]
    service_loop(desk, 2)
    if connection.vendor == "postgresql":
        # The plain-SQL baseline writes the same rows, and they verify too.
        connection.ensure_connection()
        plain_loop(connection.connection, desk, 2)
    expected = 4 if connection.vendor == "postgresql" else 2
    assert Case.objects.filter(investigation_unit_id=desk.unit_id).count() == expected
    call_command("verify_journal", "--quiet", stdout=StringIO())

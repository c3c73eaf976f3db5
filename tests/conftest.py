"""Personas and agencies shared by the suite.

Alice: investigator of the case's unit (assigned by acceptance). Hector: head of that unit.
Petra: procedural prosecutor (district office). Olga: oblast prosecutor above her.
Ivan: investigator of another unit. Oscar: an outsider with no appointment.
Rita: duty officer (registrar) of Alice's unit. Adam: administrator.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

os.environ.setdefault("TERGEU_DEV", "1")

from tergeu.accounts.models import Agency, AgencyKind, Appointment, Official, Region, Role  # noqa: E402
from tergeu.accounts.services import token_create  # noqa: E402

# The browser tests' fixtures (tests/browser.py), registered for every module that uses them.
from tests.browser import (  # noqa: E402, F401
    _sync_db_beside_playwright,
    browser_context_args,
    browser_type_launch_args,
    site,
)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The development CA (demo_load, dev_ca) and the trust store built on it stay in the test's
    # directory too: a test never touches the developer's var/dev-ca.
    dev_ca = tmp_path / "dev-ca"
    settings.TERGEU_DEV_CA_DIR = dev_ca
    settings.TERGEU_SIGNING_TRUST_ROOTS = [str(dev_ca / "ca.pem")]
    settings.TERGEU_SIGNING_CRLS = [str(dev_ca / "crl.pem")]
    settings.TERGEU_SEAL_P12 = str(dev_ca / "seal.p12")
    settings.TERGEU_SIGNING_SERVER_KEYS = str(dev_ca / "officials")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Personas are created for every test; Argon2 would spend seconds on each World.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class World:
    """The agencies and officials of one small jurisdiction."""

    def __init__(self) -> None:
        self.region = Region.objects.create(
            code="75", name_kk="Алматы", name_ru="Алматы", name_en="Almaty"
        )
        other_region = Region.objects.create(
            code="71", name_kk="Астана", name_ru="Астана", name_en="Astana"
        )
        self.gpo = Agency.objects.create(
            name="GPO", kind=AgencyKind.PROSECUTOR_GENERAL, authority_code="0001"
        )
        self.oblast_office = Agency.objects.create(
            name="Almaty city prosecutor",
            kind=AgencyKind.PROSECUTOR_OBLAST,
            authority_code="7500",
            region=self.region,
            parent=self.gpo,
        )
        self.district_office = Agency.objects.create(
            name="Almaly district prosecutor",
            kind=AgencyKind.PROSECUTOR_DISTRICT,
            authority_code="7501",
            region=self.region,
            parent=self.oblast_office,
        )
        self.other_office = Agency.objects.create(
            name="Astana district prosecutor",
            kind=AgencyKind.PROSECUTOR_DISTRICT,
            authority_code="7101",
            region=other_region,
            parent=self.gpo,
        )
        self.unit = Agency.objects.create(
            name="Almaly police department",
            kind=AgencyKind.POLICE,
            authority_code="7511",
            region=self.region,
            supervisor=self.district_office,
        )
        self.other_unit = Agency.objects.create(
            name="Astana police department",
            kind=AgencyKind.POLICE,
            authority_code="7111",
            region=other_region,
            supervisor=self.other_office,
        )
        self.alice = self.official("alice", self.unit, Role.INVESTIGATOR)
        self.hector = self.official("hector", self.unit, Role.INVESTIGATION_HEAD)
        self.rita = self.official("rita", self.unit, Role.REGISTRAR)
        self.petra = self.official("petra", self.district_office, Role.PROSECUTOR)
        self.olga = self.official("olga", self.oblast_office, Role.PROSECUTOR)
        self.ivan = self.official("ivan", self.other_unit, Role.INVESTIGATOR)
        self.victor = self.official(
            "victor", self.unit, Role.INVESTIGATOR
        )  # same unit, not assigned
        self.oscar = Official.objects.create_user("oscar", password="pw-oscar-123")
        self.adam = self.official("adam", self.gpo, Role.ADMINISTRATOR)

    def lawyer(self, username: str = "lena") -> Official:
        """A defence lawyer of the Almaty bar (a legal consultation), in no case yet."""
        bar, _created = Agency.objects.get_or_create(
            authority_code="7590",
            defaults={
                "name": "Almaty bar",
                "kind": AgencyKind.LEGAL_CONSULTATION,
                "region": self.unit.region,
            },
        )
        return self.official(username, bar, Role.DEFENCE_LAWYER)

    @staticmethod
    def official(username: str, agency: Agency, role: str) -> Official:
        official = Official.objects.create_user(
            username, password=f"pw-{username}-123", first_name=username.title()
        )
        Appointment.objects.create(official=official, agency=agency, role=role)
        return official


@pytest.fixture
def world(db: Any) -> World:
    return World()


class ApiClient:
    """A JSON client for /api/v1/ authenticated with a bearer token."""

    def __init__(self, official: Official) -> None:
        self.official = official
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token_create(official=official)}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self.headers
        )

    def upload(self, path: str, name: str, content: bytes) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            f"/api/v1{path}", {"file": SimpleUploadedFile(name, content)}, headers=self.headers
        )


@pytest.fixture
def api() -> Callable[[Official], ApiClient]:
    return ApiClient


VALID_IIN = "900101300017"  # 1990-01-01, male; check digit by the national algorithm
VALID_IIN_2 = "850615400422"  # 1985-06-15, female


# The migrations that make tables append-only: the journal's and the integrity log's.
APPEND_ONLY = (
    "tergeu.journal.migrations.0002_append_only",
    "tergeu.integrity.migrations.0002_append_only",
    "tergeu.access.migrations.0004_append_only",
)


def _sqlite_triggers(direction: str) -> list[str]:
    return [s for name in APPEND_ONLY for s in getattr(importlib.import_module(name), direction)]


@pytest.fixture(autouse=True)
def _append_only_triggers(request: pytest.FixtureRequest) -> None:
    """Every database test runs with the append-only triggers in place (a committing test on
    SQLite lifts them for its cleanup, see `flushable_journal`)."""
    from django.db import connection

    uses_db = {"db", "transactional_db"} & set(request.fixturenames)
    if uses_db and connection.vendor == "sqlite":
        request.getfixturevalue(sorted(uses_db)[0])
        with connection.cursor() as cursor:
            for statement in _sqlite_triggers("SQLITE_UP"):
                cursor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"))


@pytest.fixture
def flushable_journal(transactional_db: Any) -> Any:
    """For tests that commit (live server, threads) on SQLite: Django empties the tables with
    DELETE after such a test, so the triggers are lifted just before that cleanup (the next test
    puts them back). PostgreSQL empties with TRUNCATE, which row triggers do not see."""
    from django.db import connection

    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in _sqlite_triggers("SQLITE_DOWN"):
                cursor.execute(statement)


def open_case(world: World, notes: int = 2, *, summary: str = "A wallet taken in a bus") -> Any:
    """A case registered by Rita, accepted by Hector for Alice, with a victim and `notes` notes:
    3 + `notes` acts."""
    from tergeu.cases.services import participant_admit
    from tergeu.journal.services import act_append
    from tergeu.registry.services import case_register

    case = case_register(
        actor=world.rita,
        qualification={"article": "188", "part": "1", "offence_category": "small"},
        summary=summary,
        investigation_unit=world.unit,
    )
    act_append(
        case=case,
        kind="acceptance",
        actor=world.hector,
        payload={"investigator_id": world.alice.pk, "form": "inquiry"},
    )
    participant_admit(
        case=case, actor=world.alice, role="victim", iin=VALID_IIN, last_name="T", first_name="D"
    )
    for i in range(notes):
        act_append(case=case, kind="note", actor=world.alice, payload={"text": f"note {i}"})
    return case

"""The documentation is tested: a setting, an act kind or a domain name that the docs do not
cover fails the suite, and the worked example of the canonical form is what the code computes."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db.models import TextChoices

from tergeu.accounts.models import Role
from tergeu.cases.models import (
    InvestigationForm,
    OffenceCategory,
    ParticipantRole,
    Stage,
)
from tergeu.journal.canonical import act_document, sha256_hex
from tergeu.journal.kinds import HAND_WRITTEN, KINDS, kind_get, payload_validate
from tergeu.registry.models import RefusalGround, ReportSource, ReportStatus

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ENV_READERS = {"env_str", "env_bool", "env_int", "env_list"}


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def environment_variables() -> set[str]:
    """Every variable name `tergeu/settings.py` reads: the first argument of env_str, env_bool,
    env_int, env_list and os.environ.get, when it is a literal."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(read("tergeu/settings.py"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reader = (isinstance(func, ast.Name) and func.id in ENV_READERS) or (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "environ"
        )
        first = node.args[0]
        if reader and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def test_the_settings_parser_finds_the_variables() -> None:
    assert {"SECRET_KEY", "DATABASE_URL", "TERGEU_DEV", "REGISTER_NUMBER_FORMAT"} <= (
        environment_variables()
    )


@pytest.mark.parametrize("name", sorted(environment_variables()))
def test_every_setting_is_documented(name: str) -> None:
    rows = [line for line in read("docs/configuration.md").splitlines() if line.startswith("| `")]
    assert any(line.startswith(f"| `{name}` |") for line in rows), (
        f"{name} is read in tergeu/settings.py but has no row in docs/configuration.md"
    )


def act_kind_sections() -> dict[str, str]:
    text = read("docs/act-kinds.md")
    parts = re.split(r"^## `([a-z_]+)`.*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("code", sorted(HAND_WRITTEN))
def test_every_hand_written_payload_is_documented(code: str) -> None:
    """The kinds whose payload schema is written in code are described in docs/act-kinds.md;
    who may perform them, when, and with which clocks is the pack's (docs/rules.md)."""
    sections = act_kind_sections()
    assert code in sections, f"docs/act-kinds.md has no section for {code}"
    for field in KINDS[code].schema.model_fields:
        assert f"`{field}`" in sections[code], f"{code}: payload field {field} is not documented"


@pytest.mark.parametrize("code", sorted(KINDS))
def test_every_act_kind_is_in_the_rules_reference(code: str) -> None:
    assert f"`{code}`" in read("docs/rules.md"), f"docs/rules.md does not mention {code}"


def test_no_act_kind_is_documented_that_does_not_exist() -> None:
    assert set(act_kind_sections()) == set(HAND_WRITTEN)


GLOSSARY_NAMES = [
    "Case",
    "Act",
    "act_append",
    "canonical",
    "prev_hash",
    "performed_at",
    "recorded_at",
    "CrimeReport",
    "ReportDecision",
    "RegisterSequence",
    "register_number",
    "Deadline",
    "Participant",
    "ParticipantStatusChange",
    "CaseAssignment",
    "Agency",
    "Official",
    "Appointment",
    "Person",
    "LegalEntity",
    "iin",
    "bin",
    "Blob",
    "CaseAttachment",
    "AccessLog",
    "qualification",
    "offence_category",
    "investigation_form",
    "stage",
    "investigation_unit",
    "supervising_office",
    "lead_investigator",
    "procedural_prosecutor",
    "ProcState",
    "Clock",
    "Request",
    "decision",
    "Notification",
    "watchdog",
    "Awaited",
    "DutyShift",
    "CourtAssignment",
    "DefenceAdmission",
    "DisclosureLog",
]
CHOICES: list[type[TextChoices]] = [
    Role,
    ParticipantRole,
    ReportSource,
    ReportStatus,
    RefusalGround,
    InvestigationForm,
    OffenceCategory,
    Stage,
]
GLOSSARY_VALUES = [value for choices in CHOICES for value in choices.values if value]


@pytest.mark.parametrize("name", GLOSSARY_NAMES + GLOSSARY_VALUES)
def test_glossary_names_the_legal_term(name: str) -> None:
    assert f"`{name}`" in read("docs/glossary.md"), f"docs/glossary.md does not explain {name}"


def worked_example() -> list[tuple[str, str, int]]:
    """The examples of docs/canonical-form.md: (canonical bytes, SHA-256, stated length)."""
    section = read("docs/canonical-form.md").split("## Worked example", 1)[1]
    lines = re.findall(r"^```json\n(.*?)\n```", section, flags=re.MULTILINE | re.DOTALL)
    hashes = re.findall(r"^SHA-256: `([0-9a-f]{64})`", section, flags=re.MULTILINE)
    lengths = [int(n) for n in re.findall(r"\((\d+) bytes", section)]
    assert len(lines) == len(hashes) == len(lengths) == 2
    return list(zip(lines, hashes, lengths, strict=True))


def test_canonical_form_worked_example() -> None:
    """The two acts of the example, computed by the code from the inputs the page describes."""
    common = {
        "register_number": "257575110000001",
        "actor_id": 7,
        "actor_role": "investigator",
        "performed_at": datetime(2025, 3, 10, 4, 15, tzinfo=UTC),  # 09:15 in Almaty
        "recorded_at": datetime(2025, 3, 10, 4, 20, 30, 250000, tzinfo=UTC),
    }
    sent = {"article": "188", "part": "3", "offence_category": "grave"}
    qualification = payload_validate(kind_get("qualification"), sent).model_dump(mode="json")
    note = {"text": 'Осмотр места / Оқиға орнын қарау:\n"№ 5"'}
    assert payload_validate(kind_get("note"), note).model_dump(mode="json") == note
    act2 = act_document(
        seq=2,
        kind="qualification",
        payload=qualification,
        prev_hash="8b78403563dcc1b5065e36c62f1c7478757678ba4bacce4b099db06aa150922c",
        **common,  # type: ignore[arg-type]
    )
    act3 = act_document(
        seq=3,
        kind="note",
        payload=note,
        prev_hash=sha256_hex(act2),
        **common,  # type: ignore[arg-type]
    )

    for (text, digest, length), act in zip(worked_example(), (act2, act3), strict=True):
        assert text.encode("utf-8") == act
        assert digest == sha256_hex(act)
        assert length == len(act)


MY_DOCS = [
    "CONTRIBUTING.md",
    "docs/access.md",
    "docs/act-kinds.md",
    "docs/architecture.md",
    "docs/canonical-form.md",
    "docs/configuration.md",
    "docs/glossary.md",
    "docs/defence.md",
    "docs/prosecutor.md",
    "docs/court.md",
    "docs/decisions/0001-append-only-journal.md",
    "docs/decisions/0002-register-numbering.md",
]


@pytest.mark.parametrize("name", MY_DOCS)
def test_relative_links_resolve(name: str) -> None:
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", read(name)):
        if "://" in target:
            continue
        assert (ROOT / name).parent.joinpath(target).exists(), f"{name} links to {target}"


@pytest.mark.parametrize("path", sorted(p.name for p in (DOCS / "decisions").glob("*.md")))
def test_decision_records_have_their_sections(path: str) -> None:
    text = (DOCS / "decisions" / path).read_text(encoding="utf-8")
    for heading in ("## Context", "## Decision", "## Alternatives", "## Consequences"):
        assert heading in text, f"{path} lacks {heading}"

"""The procedure pack: the KZ pack loads; its generated reference (docs/rules.md) and its documented
format (docs/pack-format.md) cannot drift from the pack and the loader; every catalogue rule of
DOMAIN-KZ §13.2 is enforced or explained; and each kind of mistake in a pack is refused with a
message that names the file and the key."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pytest

from tergeu.procedure import pack as pack_module
from tergeu.procedure.pack import (
    DECISIONS,
    FIELD_TYPES,
    KZ_PACK,
    ActRule,
    DeadlineRule,
    Pack,
    PackError,
    load_pack,
)
from tergeu.procedure.reference import CATALOGUE, main, natural_key, render

ROOT = Path(__file__).resolve().parents[2]
RULES_MD = ROOT / "docs" / "rules.md"
FORMAT_MD = ROOT / "docs" / "pack-format.md"


@pytest.fixture(scope="module")
def kz() -> Pack:
    return load_pack()


def section(text: str, heading: str) -> str:
    """The lines from the heading that starts with `heading` to the next heading of the same or
    a higher level."""
    level = len(heading.split(" ", 1)[0])
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(rf"#{{1,{level}}} ", lines[i])),
        len(lines),
    )
    return "\n".join(lines[start:end])


# --- (1) the KZ pack loads ----------------------------------------------------------------------


def test_the_kz_pack_loads_with_its_versions_dated_by_the_laws(kz: Pack) -> None:
    assert kz.name == "kz"
    assert kz.initial_stage() == "report"
    # Qualification needs the prosecutor's agreement from 384-VI (2021-01-01) on.
    before, after = (
        kz.act("qualification", date(2020, 12, 31)),
        kz.act("qualification", date(2021, 1, 1)),
    )
    assert before is not None
    assert not before.chain
    assert after is not None
    assert after.chain == "prosecutor_agreement_qualification"
    # The covert action's sanction moved from the prosecutor to the judge on 2018-03-01.
    judge = kz.chain("covert_sanction", date(2018, 3, 1))
    assert judge is not None
    assert judge.steps[0].roles == frozenset({"investigating_judge"})
    assert {rule.term.text for rule in kz.started_by["detention"] if rule.id == "R37"} == {"12h"}


def test_a_copy_of_the_pack_loads(tmp_path: Path) -> None:
    """The control for the refusals below: the copy itself is a valid pack."""
    shutil.copytree(KZ_PACK, tmp_path / "kz")
    assert load_pack(tmp_path / "kz").deadlines.keys() == load_pack().deadlines.keys()


# --- (2) docs/rules.md is generated from the pack -----------------------------------------------


def test_rules_md_is_the_rendering_of_the_pack(kz: Pack) -> None:
    assert RULES_MD.read_text(encoding="utf-8") == render(kz), (
        "docs/rules.md is out of date with the procedure pack: run `make rules` and commit it"
    )


def test_main_writes_the_reference(tmp_path: Path, kz: Pack) -> None:
    target = tmp_path / "rules.md"
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render(kz)


def test_rules_are_listed_in_natural_order() -> None:
    ids = ["X-HEAD", "R10", "R39X", "R09b", "R86", "R39", "R09", "R01", "X-EXT"]
    assert sorted(ids, key=natural_key) == [
        "R01", "R09", "R09b", "R10", "R39", "R39X", "R86", "X-EXT", "X-HEAD",
    ]  # fmt: skip


# --- (3) the catalogue R01–R86 is covered -------------------------------------------------------


@pytest.mark.parametrize("rule_id", CATALOGUE)
def test_every_catalogue_rule_is_enforced_or_explained(kz: Pack, rule_id: str) -> None:
    listed = {item.id for item in kz.not_modelled}
    assert rule_id in kz.deadlines or rule_id in listed, (
        f"{rule_id} (DOMAIN-KZ §13.2) is neither a [[deadline]] nor a [[not_modelled]] entry"
    )


def test_every_rule_id_belongs_to_the_catalogue_or_the_x_series(kz: Pack) -> None:
    ids = [*kz.deadlines, *(item.id for item in kz.not_modelled)]
    for rule_id in ids:
        match = re.fullmatch(r"(R\d\d)[A-Za-z]?|X-[A-Z][A-Z-]*", rule_id)
        assert match, f"{rule_id}: not a catalogue id (R01–R86, a variant like R39X) nor X-…"
        assert match[1] is None or match[1] in CATALOGUE, f"{rule_id}: beyond R86"
    assert len(ids) == len(set(ids))


# --- (4) the loader refuses mistakes, naming the file and the key -------------------------------

R01_HEAD = (
    'id = "R01"\nduty = "notify the prosecutor of the start of the pre-trial investigation"\n'
)
SECOND_R01 = """
[[deadline]]
id = "R01"
duty = "notify the prosecutor of the start of the pre-trial investigation"
article = "179(1)"
valid_from = 2020-01-01
on = ["registration"]
term = "1d"
counting = "standard"
responsible = "conducting"
"""
CLOSED = 'code = "closed"\ntitle = "Closed"\nterminal = true\n'

REFUSALS = [
    # (what, file, old text, new text or None to append, fragments the message must contain)
    (
        "unknown key in an act",
        "acts.toml",
        'kind = "registration"\n',
        'kind = "registration"\nperformer = ["registrar"]\n',
        ["act[0]", "unknown key 'performer'"],
    ),
    (
        "deadline without an article",
        "deadlines.toml",
        R01_HEAD + 'article = "179(1)"\n',
        R01_HEAD,
        ["'R01'", ".article"],
    ),
    (
        "overlapping versions with the same `when`",
        "deadlines.toml",
        "",
        SECOND_R01,
        ["id 'R01'", "overlaps the validity window"],
    ),
    (
        "undefined performer role",
        "acts.toml",
        'performers = ["registrar", "conducting", "prosecutor"]',
        'performers = ["registrar", "conducting", "janitor"]',
        ["'registration'", ".performers", "undefined role 'janitor'"],
    ),
    (
        "act `to` an undefined stage",
        "acts.toml",
        'to = "registered"\neffects = ["register"]',
        'to = "limbo"\neffects = ["register"]',
        ["'registration'", ".to", "undefined stage 'limbo'"],
    ),
    (
        "deadline `until` an undefined event",
        "deadlines.toml",
        'until = ["prosecutor_notice"]',
        'until = ["prosecutor_notified"]',
        ["'R01'", "undefined event 'prosecutor_notified'"],
    ),
    (
        "undefined predicate in `requires`",
        "acts.toml",
        'requires = ["party_not_suspect"]',
        'requires = ["party_is_innocent"]',
        ["'recognition_as_suspect'", ".requires", "undefined predicate 'party_is_innocent'"],
    ),
    (
        "unreachable stage",
        "pack.toml",
        CLOSED,
        CLOSED + '\n[[stage]]\ncode = "limbo"\ntitle = "Nowhere"\n',
        [": stage", "unreachable stages ['limbo']"],
    ),
    (
        "bad term",
        "deadlines.toml",
        'term = "48h"',
        'term = "48x"',
        ["'R39'", ".term", "'48x'"],
    ),
    (
        "law: reference to an unknown law",
        "acts.toml",
        'valid_from = "law:code"',
        'valid_from = "law:999-IX"',
        ["act[0]", ".valid_from", "unknown law '999-IX'"],
    ),
    (
        "a date with a time of day",
        "acts.toml",
        'valid_from = "law:code"',
        "valid_from = 2015-01-01T00:00:00",
        ["act[0]", ".valid_from", "without a time of day"],
    ),
    (
        "an outcome stage on an act without a chain",
        "acts.toml",
        'to = "registered"\neffects = ["register"]',
        'to = "registered"\nrefused_to = "registered"\neffects = ["register"]',
        ["'registration'", "need a chain"],
    ),
    (
        "a clock group nothing pauses",
        "deadlines.toml",
        'group = "investigation"',
        'group = "investigaton"',
        [": group", "nothing pauses group(s) ['investigaton']"],
    ),
    (
        "a notification declared twice",
        "notifications.toml",
        "",
        '\n[[notification]]\nid = "N-289"\non = "termination.granted"\nto = ["body"]\n'
        'about = "x"\narticle = "289"\nvalid_from = "law:code"\n',
        [": id", "declared twice: ['N-289']"],
    ),
    (
        "invalid TOML",
        "chains.toml",
        "[[chain]]\n",
        "[[chain]\n",
        ["not valid TOML"],
    ),
]


def mutated(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the KZ pack with the first `old` of `file` replaced by `new` (appended when
    `old` is empty)."""
    directory = tmp_path / "kz"
    shutil.copytree(KZ_PACK, directory)
    path = directory / file
    text = path.read_text(encoding="utf-8")
    changed = text + new if not old else text.replace(old, new, 1)
    assert old in text, f"the mutation does not apply to {file}"
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("file", "old", "new", "fragments"),
    [pytest.param(*case[1:], id=case[0]) for case in REFUSALS],
)
def test_the_loader_refuses(
    tmp_path: Path, file: str, old: str, new: str, fragments: list[str]
) -> None:
    directory = mutated(tmp_path, file, old, new)
    with pytest.raises(PackError) as refused:
        load_pack(directory)
    message = str(refused.value)
    assert f"{directory / file}: " in message, f"the message does not name {file}: {message}"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_act_versions_may_overlap_when_they_apply_to_different_cases(kz: Pack) -> None:
    writ = kz.acts["writ_order"]
    assert writ[0].window.overlaps(writ[1].window)
    assert writ[0].when != writ[1].when


def test_deadline_versions_may_not_overlap_even_for_different_cases(tmp_path: Path) -> None:
    """A clock names its rule by id and valid_from: a variant for other cases is a rule of its
    own (R16 and R16I)."""
    directory = mutated(tmp_path, "deadlines.toml", "", SECOND_R01 + "when = { detained = true }\n")
    with pytest.raises(PackError, match="id 'R01' overlaps the validity window"):
        load_pack(directory)


# --- (5) uncertain readings are flagged [U] in docs/rules.md ------------------------------------


def version_headings(text: str, ident: str) -> list[str]:
    """The headings of the versions of `ident` (`### <ident>: …` or `### <ident>, version n of
    m: …`), in order."""
    prefixes = (f"### {ident}:", f"### {ident}, version ")
    return [line for line in text.splitlines() if line.startswith(prefixes)]


def test_uncertain_act_and_deadline_versions_are_flagged(kz: Pack) -> None:
    text = RULES_MD.read_text(encoding="utf-8")
    tables: list[tuple[str, Mapping[str, Sequence[ActRule | DeadlineRule]]]] = [
        (section(text, "## Act kinds"), {f"`{kind}`": v for kind, v in kz.acts.items()}),
        (section(text, "## Deadline catalogue"), dict(kz.deadlines)),
    ]
    for part, rules in tables:
        for ident, versions in rules.items():
            headings = version_headings(part, ident)
            assert len(headings) == len(versions), f"{ident}: {headings}"
            for heading, rule in zip(headings, versions, strict=True):
                flagged = heading.endswith(" [U]")
                assert flagged == rule.uncertain, f"{heading!r}: uncertain = {rule.uncertain}"
    assert any(rule.uncertain for versions in kz.deadlines.values() for rule in versions)


def test_uncertain_laws_and_phases_are_flagged(kz: Pack) -> None:
    text = RULES_MD.read_text(encoding="utf-8")
    laws = section(text, "## Laws").splitlines()
    for key, law in kz.laws.items():
        row = next(line for line in laws if line.startswith(f"| `{key}` |"))
        assert row.endswith("| [U] |") == law.uncertain, row
    for name, switch in kz.switches.items():
        rows = section(text, f"### `{name}`").splitlines()
        for number, phase in enumerate(switch.phases, 1):
            row = next(line for line in rows if line.startswith(f"| {number} | {phase.valid_from}"))
            assert row.endswith("| [U] |") == phase.uncertain, row
    assert any(law.uncertain for law in kz.laws.values())


# --- (6) docs/pack-format.md documents every key the loader accepts -----------------------------

KEY_SECTIONS = {
    "_PACK_KEYS": "### `[pack]`",
    "_LAW_KEYS": "### `[law.<key>]`",
    "_STAGE_KEYS": "### `[[stage]]`",
    "_SWITCH_KEYS": "### `[switch.<name>]`",
    "_PHASE_KEYS": "### `[switch.<name>]`",
    "_ACT_KEYS": "## `acts.toml`",
    "_ANNUL_KEYS": "### `[[annul]]`",
    "_CHAIN_KEYS": "## `chains.toml`",
    "_STEP_KEYS": "## `chains.toml`",
    "_DEADLINE_KEYS": "## `deadlines.toml`",
    "_NOT_MODELLED_KEYS": "## `deadlines.toml`",
    "_NOTIFICATION_KEYS": "## `notifications.toml`",
    "_WHEN_KEYS": "## `when` conditions",
}


@pytest.mark.parametrize(("attribute", "heading"), sorted(KEY_SECTIONS.items()))
def test_every_key_is_documented(attribute: str, heading: str) -> None:
    keys: set[str] = getattr(pack_module, attribute)
    text = section(FORMAT_MD.read_text(encoding="utf-8"), heading)
    missing = sorted(key for key in keys if f"| `{key}` |" not in text)
    assert not missing, f"docs/pack-format.md, {heading}: no row for {missing} ({attribute})"


def test_every_top_level_table_is_documented() -> None:
    files = section(FORMAT_MD.read_text(encoding="utf-8"), "## Files").splitlines()
    top: dict[str, set[str]] = pack_module._TOP
    for file, tables in top.items():
        row = next(line for line in files if line.startswith(f"| `{file}` |"))
        for table in tables:
            assert re.search(rf"`\[\[?{table}[\].]", row), f"{file}: [{table}] is not documented"


def test_the_value_vocabularies_are_documented() -> None:
    text = FORMAT_MD.read_text(encoding="utf-8")
    acts, chains = section(text, "## `acts.toml`"), section(text, "## `chains.toml`")
    deadlines = section(text, "## `deadlines.toml`")
    assert all(f"`{kind}`" in acts for kind in FIELD_TYPES)
    words = {word for decision, outcomes in DECISIONS.items() for word in (decision, *outcomes)}
    assert all(f"`{word}`" in chains for word in words)
    counting: Mapping[str, object] = pack_module._COUNTING
    assert all(f"`{name}`" in deadlines for name in counting)


def test_pack_messages_are_the_pack_s_texts() -> None:
    from tergeu.procedure.reference import messages

    path = Path(__file__).resolve().parents[2] / "tergeu" / "cases" / "pack_messages.py"
    assert path.read_text(encoding="utf-8") == messages(load_pack()), "run `make rules`"


def test_the_case_stages_are_the_pack_s() -> None:
    import django

    django.setup()
    from tergeu.cases.models import Stage

    pack = load_pack()
    assert set(Stage.values) == set(pack.stages) - {pack.initial_stage()}


def test_a_choice_field_refuses_values_outside_it(kz: Pack) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tergeu.procedure.engine import Proposal, evaluate
    from tergeu.procedure.pack import choices
    from tergeu.procedure.state import ProcState

    matter = kz.act("judicial_sanction_request", date(2026, 1, 1))
    assert matter is not None
    assert "property_arrest" in choices(matter.payload["matter"][0])
    state = ProcState(stage="under_investigation", body="police")
    at = datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("Asia/Almaty"))
    payload = {"matter": "property-arrest", "grounds": "x"}
    verdict = evaluate(
        kz, state, Proposal("judicial_sanction_request", ("investigator",), payload, at, 2)
    )
    assert [r.code for r in verdict.reasons] == ["payload_type"]
    assert verdict.state is state

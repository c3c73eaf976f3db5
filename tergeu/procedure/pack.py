"""A procedure pack: the law's acts, approvals, clocks and notification duties as data.

A pack is a directory of TOML files (`procedure/packs/kz/`), read with the standard library and
validated on load. Every mistake — an unknown key, a missing article, overlapping validity windows
of one rule, an undefined act kind, role or stage, a stage nothing leads to — is a `PackError`
that names the file and the key. The format is documented in docs/pack-format.md.

Rules carry `valid_from` (a date, or the key of an amending law in `[law]`, so that correcting
one uncertain date corrects every rule it moved) and an optional inclusive `valid_to`."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from tergeu.procedure.calendar import WorkingCalendar, load_calendar
from tergeu.procedure.terms import Counting, Unit

KZ_PACK = Path(__file__).resolve().parent / "packs" / "kz"

FIELD_TYPES = frozenset(
    {"text", "party", "datetime", "date", "int", "bool", "seq", "category", "article"}
)
DECISIONS = {
    # What the official at a step of a chain decides, and the outcomes open to them.
    "agreement": ("granted", "refused"),
    "approval": ("granted", "refused"),
    "sanction": ("granted", "refused", "shortened"),
}
EVENT_SUFFIXES = ("granted", "refused")
_CHOICE = re.compile(r"^choice:[a-z_]+(\|[a-z_]+)+$")
_TERM = re.compile(r"^(?P<amount>[1-9][0-9]{0,3})(?P<unit>[hdm])$")
R = TypeVar("R", "ActRule", "Chain", "DeadlineRule", "AnnulRule")
T = TypeVar("T")
_COUNTING = {"standard": Counting.STANDARD, "liberty": Counting.LIBERTY, "hours": Counting.HOURS}


def choices(type_: str) -> tuple[str, ...]:
    """The values of a `choice:a|b|c` field type (empty for any other type)."""
    return tuple(type_.removeprefix("choice:").split("|")) if type_.startswith("choice:") else ()


class PackError(ValueError):
    """The pack does not follow its schema; the message names the file and the key."""


@dataclass(frozen=True)
class Window:
    valid_from: date
    valid_to: date | None = None  # inclusive

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def overlaps(self, other: Window) -> bool:
        end = self.valid_to or date.max
        other_end = other.valid_to or date.max
        return self.valid_from <= other_end and other.valid_from <= end


@dataclass(frozen=True)
class Term:
    """A statutory term: `amount` `unit`s, or "now" (незамедлительно: the pack's service level)."""

    text: str
    amount: int = 0
    unit: Unit = Unit.HOURS
    immediately: bool = False


@dataclass(frozen=True)
class When:
    """Applicability: every given condition must hold (an empty `When` always holds)."""

    categories: frozenset[str] = frozenset()
    forms: frozenset[str] = frozenset()
    bodies: frozenset[str] = frozenset()
    minor: bool | None = None  # some suspect (or the act's party) is a minor
    detained: bool | None = None  # some suspect is detained now
    accelerated: bool | None = None
    covert: bool | None = None  # the case has a covert action that has ended
    convicted: bool | None = None  # some person of the case is convicted (a sentence to execute)
    switch: str = ""  # the named phased switch is on for this case at this moment
    switch_off: str = ""  # ... is off
    payload: Mapping[str, Any] = field(default_factory=dict)  # the act's payload has these values

    @property
    def empty(self) -> bool:
        return self == When()


@dataclass(frozen=True)
class Phase:
    valid_from: date
    categories: frozenset[str] = frozenset()
    bodies: frozenset[str] = frozenset()
    forms: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()
    uncertain: bool = False


@dataclass(frozen=True)
class Switch:
    """A change phased in by case attributes (e.g. the prosecutor-drafted indictment)."""

    name: str
    title: str
    article: str
    phases: tuple[Phase, ...]


@dataclass(frozen=True)
class Law:
    key: str
    date: date
    title: str
    uncertain: bool


@dataclass(frozen=True)
class Stage:
    code: str
    title: str
    initial: bool = False
    terminal: bool = False
    pauses: frozenset[str] = frozenset()  # clock groups that do not run while here (192(3))


@dataclass(frozen=True)
class Step:
    role: str  # as written in the pack: a role or a role group
    roles: frozenset[str]  # the roles that may decide
    decision: str  # agreement | approval | sanction
    deadlines: tuple[str, ...]  # ids of [[deadline]]s (on "request"): the first that applies
    article: str
    # A grant is refused once the open clock of one of these rules (for the request's subject)
    # has run out: a custody sanction after the detention ended (131(4), 133(2)).
    expires_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chain:
    """Agreements, approvals and sanctions an act needs, in order."""

    id: str
    title: str
    window: Window
    steps: tuple[Step, ...]
    pauses: frozenset[str] = frozenset()  # clock groups stopped while the request is open
    source: str = ""


@dataclass(frozen=True)
class ActRule:
    kind: str
    label: str
    article: str
    window: Window
    performers: frozenset[str]
    stages: frozenset[str] | None  # None: the act opens a case
    payload: Mapping[str, tuple[str, bool]]  # field → (type, required)
    to: str = ""
    when: When = When()
    requires: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    chain: str = ""
    pending: str = ""  # stage while its chain is open
    granted_to: str = ""
    refused_to: str = ""
    on_granted: tuple[str, ...] = ()
    on_refused: tuple[str, ...] = ()
    uncertain: bool = False
    source: str = ""
    # Secret acts (covert actions, arts 231-240, 70(2)(5)) are recorded in a compartment of the
    # case that only the officials named on it see: "opens" starts one, "inside" goes into one.
    compartment: str = ""


@dataclass(frozen=True)
class AnnulRule:
    """`[[annul]]`: a kind of act the prosecutor may annul as unlawful (art. 193), at which
    stages, on which further conditions, and what annulling it does: the effects, the stage it
    leads to, the state it restores (the values from before the act took effect)."""

    kind: str
    article: str
    window: Window
    stages: frozenset[str] = frozenset()  # empty: at any stage the annulment act allows
    to: str = ""
    requires: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    restores: tuple[str, ...] = ()
    uncertain: bool = False
    source: str = ""


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    duty: str
    article: str
    window: Window
    on: frozenset[str]  # events: act kinds, "<kind>.granted|refused|to_<role>", "request"
    term: Term
    counting: Counting
    responsible: str
    when: When = When()
    anchor: str = ""  # payload field holding the moment counted from; "" = the act's moment
    before: tuple[str, ...] = ()  # the term ends this long before the due moment of the
    # open clock of the first of these rules (same subject)
    subject: str = ""  # payload field naming what the clock is about (a party, an act)
    until: frozenset[str] = frozenset()  # events that discharge it
    cancel: frozenset[str] = frozenset()  # events that make it moot
    extend: frozenset[str] = frozenset()  # events whose `until` moves its end
    cap: bool = False  # the triggering payload's `until` may set an earlier end
    period: bool = False  # TOML `window`: a period for others to act (appeal), never breached
    group: str = ""  # clock group, paused by stages and open chains
    consequence: str = ""
    uncertain: bool = False
    source: str = ""


@dataclass(frozen=True)
class Notification:
    id: str
    on: str
    to: tuple[str, ...]
    about: str
    article: str
    window: Window
    term: Term | None = None
    when: When = When()


@dataclass(frozen=True)
class NotModelled:
    id: str
    reason: str


@dataclass(frozen=True)
class Pack:
    name: str
    title: str
    zone: str
    immediately_hours: int
    calendar: WorkingCalendar
    laws: Mapping[str, Law]
    categories: Mapping[str, str]
    forms: Mapping[str, str]
    bodies: Mapping[str, str]
    roles: Mapping[str, str]
    role_groups: Mapping[str, frozenset[str]]
    stages: Mapping[str, Stage]
    switches: Mapping[str, Switch]
    acts: Mapping[str, tuple[ActRule, ...]]
    chains: Mapping[str, tuple[Chain, ...]]
    deadlines: Mapping[str, tuple[DeadlineRule, ...]]
    notifications: tuple[Notification, ...]
    not_modelled: tuple[NotModelled, ...]
    annulments: Mapping[str, tuple[AnnulRule, ...]] = field(default_factory=dict)
    # punishment → the role of the officials who execute it (penitentiary, probation, bailiff)
    executors: Mapping[str, str] = field(default_factory=dict)
    # event → deadline rules it starts / touches; built on load so that evaluation is a lookup
    started_by: Mapping[str, tuple[DeadlineRule, ...]] = field(default_factory=dict)
    touched_by: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def act(self, kind: str, day: date) -> ActRule | None:
        """The version of act kind `kind` in force on `day`, if any."""
        return _in_force(self.acts.get(kind, ()), day)

    def chain(self, chain_id: str, day: date) -> Chain | None:
        return _in_force(self.chains.get(chain_id, ()), day)

    def deadline(self, rule_id: str, day: date) -> DeadlineRule | None:
        return _in_force(self.deadlines.get(rule_id, ()), day)

    def annulment(self, kind: str, day: date) -> AnnulRule | None:
        """How an act of `kind` is annulled by the law in force on `day`, if it can be."""
        return _in_force(self.annulments.get(kind, ()), day)

    def deadline_version(self, rule_id: str, valid_from: date | None) -> DeadlineRule | None:
        """The version of a deadline rule a clock was started by (rule id and valid_from
        name it: the loader refuses overlapping versions of one deadline)."""
        versions = self.deadlines.get(rule_id, ())
        return next((r for r in versions if r.window.valid_from == valid_from), None)

    def initial_stage(self) -> str:
        return next(code for code, stage in self.stages.items() if stage.initial)


def _in_force(versions: Iterable[R], day: date) -> R | None:
    for version in versions:
        if version.window.covers(day):
            return version
    return None


# --- loading ------------------------------------------------------------------------------------

_FILES = ("pack.toml", "acts.toml", "chains.toml", "deadlines.toml", "notifications.toml")
_TOP = {
    "pack.toml": {"pack", "law", "categories", "forms", "bodies", "roles", "role_groups", "stage"}
    | {"switch", "executors"},
    "acts.toml": {"act", "annul"},
    "chains.toml": {"chain"},
    "deadlines.toml": {"deadline", "not_modelled"},
    "notifications.toml": {"notification"},
}
_PACK_KEYS = {"name", "title", "zone", "immediately_hours", "calendar"}
_LAW_KEYS = {"date", "title", "uncertain"}
_STAGE_KEYS = {"code", "title", "initial", "terminal", "pauses"}
_SWITCH_KEYS = {"title", "article", "phase"}
_PHASE_KEYS = {"valid_from", "categories", "bodies", "forms", "articles", "uncertain"}
_WHEN_KEYS = {
    "categories",
    "forms",
    "bodies",
    "minor",
    "detained",
    "accelerated",
    "covert",
    "convicted",
    "switch",
    "switch_off",
    "payload",
}
COMPARTMENT_PLACES = frozenset({"", "opens", "inside"})
_ACT_KEYS = {
    "kind",
    "label",
    "article",
    "valid_from",
    "valid_to",
    "performers",
    "stages",
    "payload",
    "to",
    "when",
    "requires",
    "effects",
    "chain",
    "pending",
    "granted_to",
    "refused_to",
    "on_granted",
    "on_refused",
    "uncertain",
    "source",
    "compartment",
}
_CHAIN_KEYS = {"id", "title", "valid_from", "valid_to", "step", "pauses", "source"}
_STEP_KEYS = {"role", "decision", "deadline", "article", "expires_with"}
_ANNUL_KEYS = {
    "kind",
    "article",
    "valid_from",
    "valid_to",
    "stages",
    "to",
    "requires",
    "effects",
    "restores",
    "uncertain",
    "source",
}
# The parts of the case state an annulment may put back as they were before the annulled act.
RESTORABLE = frozenset({"qualification", "form", "accelerated"})
_DEADLINE_KEYS = {
    "id",
    "duty",
    "article",
    "valid_from",
    "valid_to",
    "on",
    "term",
    "counting",
    "responsible",
    "when",
    "anchor",
    "before",
    "subject",
    "until",
    "cancel",
    "extend",
    "cap",
    "window",
    "group",
    "consequence",
    "uncertain",
    "source",
}
_NOTIFICATION_KEYS = {
    "id",
    "on",
    "to",
    "about",
    "article",
    "valid_from",
    "valid_to",
    "term",
    "when",
}
_NOT_MODELLED_KEYS = {"id", "reason"}


def load_pack(directory: Path | str = KZ_PACK) -> Pack:
    """Read and validate the pack in `directory`; raise `PackError` naming file and key."""
    directory = Path(directory)
    data: dict[str, Mapping[str, Any]] = {}
    for name in _FILES:
        path = directory / name
        try:
            with path.open("rb") as handle:
                data[name] = tomllib.load(handle)
        except OSError as error:
            raise PackError(f"{path}: cannot read ({error.strerror})") from error
        except tomllib.TOMLDecodeError as error:
            raise PackError(f"{path}: not valid TOML ({error})") from error
        _keys(data[name], _TOP[name], f"{path}")
    return _Reader(directory, data).pack()


class _Reader:
    def __init__(self, directory: Path, data: Mapping[str, Mapping[str, Any]]) -> None:
        self.directory = directory
        self.data = data
        self.laws: dict[str, Law] = {}
        self.roles: dict[str, str] = {}
        self.groups: dict[str, frozenset[str]] = {}
        self.stages: dict[str, Stage] = {}

    def where(self, file: str, key: str) -> str:
        return f"{self.directory / file}: {key}"

    def pack(self) -> Pack:
        top = self.data["pack.toml"]
        where = self.where("pack.toml", "[pack]")
        meta = _table(top, "pack", where)
        _keys(meta, _PACK_KEYS, where)
        calendar = load_calendar(self.directory / _get(meta, "calendar", str, where))
        for key, row in _table(top, "law", self.where("pack.toml", "[law]")).items():
            here = self.where("pack.toml", f"law.{key}")
            _keys(row, _LAW_KEYS, here)
            self.laws[key] = Law(
                key,
                _get(row, "date", date, here),
                _get(row, "title", str, here),
                bool(row.get("uncertain", False)),
            )
        categories = _names(top, "categories", self.where("pack.toml", "[categories]"))
        forms = _names(top, "forms", self.where("pack.toml", "[forms]"))
        bodies = _names(top, "bodies", self.where("pack.toml", "[bodies]"))
        self.roles = dict(_names(top, "roles", self.where("pack.toml", "[roles]")))
        for key, members in _table(top, "role_groups", "pack.toml [role_groups]").items():
            here = self.where("pack.toml", f"role_groups.{key}")
            self.groups[key] = frozenset(self.role_list(members, here))
        for index, row in _rows(top, "stage", self.where("pack.toml", "stage")):
            here = self.where("pack.toml", f"stage[{index}]")
            _keys(row, _STAGE_KEYS, here)
            code = _get(row, "code", str, here)
            if code in self.stages:
                raise PackError(f"{here}: stage {code!r} is declared twice")
            self.stages[code] = Stage(
                code,
                _get(row, "title", str, here),
                bool(row.get("initial", False)),
                bool(row.get("terminal", False)),
                frozenset(_strings(row, "pauses", here)),
            )
        if sum(stage.initial for stage in self.stages.values()) != 1:
            raise PackError(f"{self.where('pack.toml', 'stage')}: exactly one stage is initial")
        self.vocab = {"categories": categories, "forms": forms, "bodies": bodies}
        switches = {
            name: self.switch(name, row)
            for name, row in _table(top, "switch", self.where("pack.toml", "[switch]")).items()
        }
        self.switch_names = set(switches)
        acts = self.versions(
            "acts.toml", "act", "kind", self.act_rule, lambda rule: rule.kind, lambda r: r.window
        )
        chains = self.versions(
            "chains.toml", "chain", "id", self.chain, lambda chain: chain.id, lambda c: c.window
        )
        deadlines = self.versions(
            "deadlines.toml", "deadline", "id", self.deadline, lambda d: d.id, lambda d: d.window
        )
        annulments = self.versions(
            "acts.toml", "annul", "kind", self.annul_rule, lambda a: a.kind, lambda a: a.window
        )
        notifications = tuple(
            self.notification(index, row)
            for index, row in _rows(
                self.data["notifications.toml"],
                "notification",
                self.where("notifications.toml", "notification"),
            )
        )
        not_modelled = []
        for index, row in _rows(
            self.data["deadlines.toml"],
            "not_modelled",
            self.where("deadlines.toml", "not_modelled"),
        ):
            here = self.where("deadlines.toml", f"not_modelled[{index}]")
            _keys(row, _NOT_MODELLED_KEYS, here)
            not_modelled.append(
                NotModelled(_get(row, "id", str, here), _get(row, "reason", str, here))
            )
        pack = Pack(
            name=_get(meta, "name", str, where),
            title=_get(meta, "title", str, where),
            zone=_get(meta, "zone", str, where),
            immediately_hours=_get(meta, "immediately_hours", int, where),
            calendar=calendar,
            laws=self.laws,
            categories=categories,
            forms=forms,
            bodies=bodies,
            roles=self.roles,
            role_groups=self.groups,
            stages=self.stages,
            switches=switches,
            acts=acts,
            chains=chains,
            deadlines=deadlines,
            notifications=notifications,
            not_modelled=tuple(not_modelled),
            annulments=annulments,
            executors=self.executors(top),
        )
        _check_references(pack, self)
        return _index(pack)

    # --- pieces ---

    def window(self, row: Mapping[str, Any], where: str) -> Window:
        start = self.moment(row.get("valid_from"), f"{where}.valid_from", required=True)
        assert start is not None
        end = self.moment(row.get("valid_to"), f"{where}.valid_to", required=False)
        if end is not None and end < start:
            raise PackError(f"{where}.valid_to: ends before valid_from")
        return Window(start, end)

    def moment(self, value: object, where: str, *, required: bool) -> date | None:
        """A date, or "law:<key>" (the day the law took effect), or "before:<key>" (the day
        before it: the last day of the wording it replaced)."""
        if value is None:
            if required:
                raise PackError(f"{where}: missing")
            return None
        if isinstance(value, datetime):
            raise PackError(f"{where}: a date without a time of day, e.g. 2018-03-01")
        if isinstance(value, date):
            return value
        if isinstance(value, str) and ":" in value:
            how, key = value.split(":", 1)
            if key not in self.laws:
                raise PackError(f"{where}: unknown law {key!r} (declare it in [law])")
            if how == "law":
                return self.laws[key].date
            if how == "before":
                return self.laws[key].date - timedelta(days=1)
        raise PackError(f"{where}: expected a date, 'law:<key>' or 'before:<key>'")

    def role_list(self, value: object, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PackError(f"{where}: expected a list of role names")
        roles: list[str] = []
        for name in value:
            if name in self.groups:
                roles.extend(self.groups[name])
            elif name in self.roles:
                roles.append(name)
            else:
                raise PackError(f"{where}: undefined role {name!r}")
        return roles

    def stage_ref(self, value: object, where: str, *, optional: bool = True) -> str:
        if value in (None, "") and optional:
            return ""
        if not isinstance(value, str) or value not in self.stages:
            raise PackError(f"{where}: undefined stage {value!r}")
        return value

    def when(self, row: Mapping[str, Any], where: str) -> When:
        raw = row.get("when")
        if raw is None:
            return When()
        if not isinstance(raw, dict):
            raise PackError(f"{where}.when: expected a table")
        _keys(raw, _WHEN_KEYS, f"{where}.when")
        sets: dict[str, frozenset[str]] = {}
        for key in ("categories", "forms", "bodies"):
            values = _strings(raw, key, f"{where}.when")
            unknown = set(values) - set(self.vocab[key])
            if unknown:
                raise PackError(f"{where}.when.{key}: undefined {sorted(unknown)}")
            sets[key] = frozenset(values)
        for key in ("switch", "switch_off"):
            name = raw.get(key, "")
            if name and name not in self.switch_names:
                raise PackError(f"{where}.when.{key}: undefined switch {name!r}")
        flags = {}
        for key in ("minor", "detained", "accelerated", "covert", "convicted"):
            value = raw.get(key)
            if value is not None and not isinstance(value, bool):
                raise PackError(f"{where}.when.{key}: expected true or false")
            flags[key] = value
        payload = raw.get("payload", {})
        if not isinstance(payload, dict):
            raise PackError(f"{where}.when.payload: expected a table")
        return When(
            categories=sets["categories"],
            forms=sets["forms"],
            bodies=sets["bodies"],
            minor=flags["minor"],
            detained=flags["detained"],
            accelerated=flags["accelerated"],
            covert=flags["covert"],
            convicted=flags["convicted"],
            switch=raw.get("switch", ""),
            switch_off=raw.get("switch_off", ""),
            payload=payload,
        )

    def switch(self, name: str, row: Mapping[str, Any]) -> Switch:
        where = self.where("pack.toml", f"switch.{name}")
        _keys(row, _SWITCH_KEYS, where)
        phases = []
        for index, phase in enumerate(row.get("phase", [])):
            here = f"{where}.phase[{index}]"
            _keys(phase, _PHASE_KEYS, here)
            start = self.moment(phase.get("valid_from"), f"{here}.valid_from", required=True)
            assert start is not None
            sets = {}
            for key in ("categories", "bodies", "forms"):
                values = _strings(phase, key, here)
                unknown = set(values) - set(self.vocab[key])
                if unknown:
                    raise PackError(f"{here}.{key}: undefined {sorted(unknown)}")
                sets[key] = frozenset(values)
            phases.append(
                Phase(
                    start,
                    articles=frozenset(_strings(phase, "articles", here)),
                    uncertain=bool(phase.get("uncertain", False)),
                    **sets,
                )
            )
        if not phases:
            raise PackError(f"{where}.phase: a switch needs at least one phase")
        return Switch(name, _get(row, "title", str, where), _article(row, where), tuple(phases))

    def versions(
        self,
        file: str,
        table: str,
        id_key: str,
        read: Any,
        ident: Any,
        window: Any,
    ) -> dict[str, tuple[Any, ...]]:
        result: dict[str, list[Any]] = {}
        for index, row in _rows(self.data[file], table, self.where(file, table)):
            here = self.where(file, f"{table}[{index}]")
            rule = read(row, here)
            versions = result.setdefault(ident(rule), [])
            for other in versions:
                # Versions of one rule may not overlap in time. Act kinds may, when they apply
                # to different cases (`when`): the writ order of a misdemeanour and of a small
                # crime. A deadline may not: a clock names its rule by id and valid_from, so a
                # variant for other cases is a rule of its own (R16 and R16I, detained).
                for_other_cases = table == "act" and other.when != rule.when
                if not for_other_cases and window(other).overlaps(window(rule)):
                    raise PackError(
                        f"{here}: {id_key} {ident(rule)!r} overlaps the validity window of an "
                        f"earlier version (from {window(other).valid_from})"
                    )
            versions.append(rule)
        return {
            key: tuple(sorted(v, key=lambda r: window(r).valid_from)) for key, v in result.items()
        }

    def act_rule(self, row: Mapping[str, Any], where: str) -> ActRule:
        _keys(row, _ACT_KEYS, where)
        kind = _get(row, "kind", str, where)
        where = f"{where} (kind {kind!r})"
        payload: dict[str, tuple[str, bool]] = {}
        for name, spec in _table(row, "payload", f"{where}.payload").items():
            type_ = spec.rstrip("?") if isinstance(spec, str) else ""
            if type_ not in FIELD_TYPES and not _CHOICE.match(type_):
                raise PackError(
                    f"{where}.payload.{name}: unknown field type {spec!r} (one of "
                    f"{sorted(FIELD_TYPES)} or choice:a|b|c, '?' suffix for optional)"
                )
            payload[name] = (type_, not spec.endswith("?"))
        stages_raw = row.get("stages")
        stages = (
            None
            if stages_raw is None
            else frozenset(
                self.stage_ref(s, f"{where}.stages") for s in _strings(row, "stages", where)
            )
        )
        return ActRule(
            kind=kind,
            label=_get(row, "label", str, where),
            article=_article(row, where),
            window=self.window(row, where),
            performers=frozenset(self.role_list(row.get("performers"), f"{where}.performers")),
            stages=stages,
            payload=payload,
            to=self.stage_ref(row.get("to"), f"{where}.to"),
            when=self.when(row, where),
            requires=tuple(_strings(row, "requires", where)),
            effects=tuple(_strings(row, "effects", where)),
            chain=row.get("chain", ""),
            pending=self.stage_ref(row.get("pending"), f"{where}.pending"),
            granted_to=self.stage_ref(row.get("granted_to"), f"{where}.granted_to"),
            refused_to=self.stage_ref(row.get("refused_to"), f"{where}.refused_to"),
            on_granted=tuple(_strings(row, "on_granted", where)),
            on_refused=tuple(_strings(row, "on_refused", where)),
            uncertain=bool(row.get("uncertain", False)),
            source=row.get("source", ""),
            compartment=self.compartment(row, where),
        )

    def compartment(self, row: Mapping[str, Any], where: str) -> str:
        value = row.get("compartment", "")
        if value not in COMPARTMENT_PLACES:
            raise PackError(f"{where}.compartment: one of {sorted(COMPARTMENT_PLACES)}")
        return str(value)

    def chain(self, row: Mapping[str, Any], where: str) -> Chain:
        _keys(row, _CHAIN_KEYS, where)
        chain_id = _get(row, "id", str, where)
        where = f"{where} (id {chain_id!r})"
        steps = []
        for index, step in enumerate(row.get("step", [])):
            here = f"{where}.step[{index}]"
            _keys(step, _STEP_KEYS, here)
            decision = _get(step, "decision", str, here)
            if decision not in DECISIONS:
                raise PackError(f"{here}.decision: one of {sorted(DECISIONS)}")
            role = _get(step, "role", str, here)
            roles = frozenset(self.role_list([role], f"{here}.role"))
            deadlines = tuple(_strings(step, "deadline", here))
            if not deadlines:
                raise PackError(f"{here}.deadline: name at least one deadline rule")
            expires_with = tuple(_strings(step, "expires_with", here))
            steps.append(Step(role, roles, decision, deadlines, _article(step, here), expires_with))
        if not steps:
            raise PackError(f"{where}.step: a chain needs at least one step")
        return Chain(
            chain_id,
            _get(row, "title", str, where),
            self.window(row, where),
            tuple(steps),
            frozenset(_strings(row, "pauses", where)),
            row.get("source", ""),
        )

    def deadline(self, row: Mapping[str, Any], where: str) -> DeadlineRule:
        _keys(row, _DEADLINE_KEYS, where)
        rule_id = _get(row, "id", str, where)
        where = f"{where} (id {rule_id!r})"
        counting = _get(row, "counting", str, where)
        if counting not in _COUNTING:
            raise PackError(f"{where}.counting: one of {sorted(_COUNTING)}")
        responsible = _get(row, "responsible", str, where)
        self.role_list([responsible], f"{where}.responsible")
        return DeadlineRule(
            id=rule_id,
            duty=_get(row, "duty", str, where),
            article=_article(row, where),
            window=self.window(row, where),
            on=frozenset(_strings(row, "on", where)),
            term=_term(_get(row, "term", str, where), f"{where}.term"),
            counting=_COUNTING[counting],
            responsible=responsible,
            when=self.when(row, where),
            anchor=row.get("anchor", ""),
            before=tuple(_strings(row, "before", where)),
            subject=row.get("subject", ""),
            until=frozenset(_strings(row, "until", where)),
            cancel=frozenset(_strings(row, "cancel", where)),
            extend=frozenset(_strings(row, "extend", where)),
            cap=bool(row.get("cap", False)),
            period=bool(row.get("window", False)),
            group=row.get("group", ""),
            consequence=row.get("consequence", ""),
            uncertain=bool(row.get("uncertain", False)),
            source=row.get("source", ""),
        )

    def annul_rule(self, row: Mapping[str, Any], where: str) -> AnnulRule:
        _keys(row, _ANNUL_KEYS, where)
        kind = _get(row, "kind", str, where)
        where = f"{where} (kind {kind!r})"
        restores = _strings(row, "restores", where)
        unknown = sorted(set(restores) - RESTORABLE)
        if unknown:
            raise PackError(f"{where}.restores: {unknown} (one of {sorted(RESTORABLE)})")
        return AnnulRule(
            kind=kind,
            article=_article(row, where),
            window=self.window(row, where),
            stages=frozenset(
                self.stage_ref(s, f"{where}.stages") for s in _strings(row, "stages", where)
            ),
            to=self.stage_ref(row.get("to"), f"{where}.to"),
            requires=tuple(_strings(row, "requires", where)),
            effects=tuple(_strings(row, "effects", where)),
            restores=tuple(restores),
            uncertain=bool(row.get("uncertain", False)),
            source=row.get("source", ""),
        )

    def executors(self, top: Mapping[str, Any]) -> dict[str, str]:
        """`[executors]`: punishment → the role whose officials execute it."""
        where = self.where("pack.toml", "[executors]")
        table = _names(top, "executors", where)
        for punishment, role in table.items():
            self.role_list([role], f"{where}.{punishment}")
        return table

    def notification(self, index: int, row: Mapping[str, Any]) -> Notification:
        where = self.where("notifications.toml", f"notification[{index}]")
        _keys(row, _NOTIFICATION_KEYS, where)
        term = row.get("term")
        return Notification(
            id=_get(row, "id", str, where),
            on=_get(row, "on", str, where),
            to=tuple(_strings(row, "to", where)),
            about=_get(row, "about", str, where),
            article=_article(row, where),
            window=self.window(row, where),
            term=None if term is None else _term(term, f"{where}.term"),
            when=self.when(row, where),
        )


def _check_references(pack: Pack, reader: _Reader) -> None:
    """Cross-file checks: every name used is defined, every stage is reachable."""
    from tergeu.procedure import rules  # the named predicates and effects

    events = event_names(pack)
    for kind, versions in pack.acts.items():
        for rule in versions:
            here = reader.where("acts.toml", f"act (kind {kind!r}, from {rule.window.valid_from})")
            for name in rule.requires:
                if name not in rules.PREDICATES:
                    raise PackError(f"{here}.requires: undefined predicate {name!r}")
            for name in (*rule.effects, *rule.on_granted, *rule.on_refused):
                if name not in rules.EFFECTS:
                    raise PackError(f"{here}: undefined effect {name!r}")
            if rule.chain and rule.chain not in pack.chains:
                raise PackError(f"{here}.chain: undefined chain {rule.chain!r}")
            outcome_keys = (rule.granted_to, rule.refused_to, rule.on_granted, rule.on_refused)
            if not rule.chain and (rule.pending or any(outcome_keys)):
                raise PackError(
                    f"{here}: pending / granted_to / refused_to / on_granted / on_refused "
                    "need a chain"
                )
    for chain_id, chain_versions in pack.chains.items():
        for chain in chain_versions:
            for step in chain.steps:
                for deadline_id in step.deadlines:
                    if deadline_id not in pack.deadlines:
                        raise PackError(
                            f"{reader.where('chains.toml', f'chain (id {chain_id!r})')}.step:"
                            f" undefined deadline {deadline_id!r}"
                        )
    modelled = set(pack.deadlines)
    for rule_id, deadline_versions in pack.deadlines.items():
        for deadline in deadline_versions:
            here = reader.where("deadlines.toml", f"deadline (id {rule_id!r})")
            for event in (*deadline.on, *deadline.until, *deadline.cancel, *deadline.extend):
                if event not in events:
                    raise PackError(f"{here}: undefined event {event!r}")
            for parent in deadline.before:
                if parent not in pack.deadlines:
                    raise PackError(f"{here}.before: undefined deadline {parent!r}")
    for item in pack.not_modelled:
        if item.id in modelled:
            raise PackError(
                f"{reader.where('deadlines.toml', 'not_modelled')}: {item.id} is also modelled"
            )
    for note in pack.notifications:
        if note.on not in events:
            raise PackError(f"{reader.where('notifications.toml', note.id)}.on: undefined event")
        reader.role_list(list(note.to), f"{reader.where('notifications.toml', note.id)}.to")
    for kind, annul_versions in pack.annulments.items():
        for annul in annul_versions:
            here = reader.where(
                "acts.toml", f"annul (kind {kind!r}, from {annul.window.valid_from})"
            )
            if kind not in pack.acts:
                raise PackError(f"{here}.kind: undefined act kind {kind!r}")
            for name in annul.requires:
                if name not in rules.PREDICATES:
                    raise PackError(f"{here}.requires: undefined predicate {name!r}")
            for name in annul.effects:
                if name not in rules.EFFECTS:
                    raise PackError(f"{here}: undefined effect {name!r}")
    for chain_id, chain_versions in pack.chains.items():
        for chain in chain_versions:
            for step in chain.steps:
                for deadline_id in step.expires_with:
                    if deadline_id not in pack.deadlines:
                        raise PackError(
                            f"{reader.where('chains.toml', f'chain (id {chain_id!r})')}.step:"
                            f" undefined deadline {deadline_id!r} in expires_with"
                        )
    _check_groups(pack, reader)
    for name, ids in (
        ("notifications.toml", [n.id for n in pack.notifications]),
        ("deadlines.toml", [n.id for n in pack.not_modelled]),
    ):
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise PackError(f"{reader.where(name, 'id')}: declared twice: {repeated}")
    _check_reachable(pack, reader)


def _check_groups(pack: Pack, reader: _Reader) -> None:
    """Every clock group a stage or chain pauses is some deadline's, and the reverse: a typo
    would otherwise leave a clock running where the law stops it."""
    paused = {g for stage in pack.stages.values() for g in stage.pauses}
    paused |= {g for versions in pack.chains.values() for chain in versions for g in chain.pauses}
    used = {rule.group for versions in pack.deadlines.values() for rule in versions} - {""}
    if paused - used:
        raise PackError(
            f"{reader.where('pack.toml', 'pauses')}: no deadline is in group(s) "
            f"{sorted(paused - used)}"
        )
    if used - paused:
        raise PackError(
            f"{reader.where('deadlines.toml', 'group')}: nothing pauses group(s) "
            f"{sorted(used - paused)}"
        )


def event_names(pack: Pack) -> set[str]:
    """Every event the pack can produce: each act kind; for an act with a chain, its outcome
    ("<kind>.granted", "<kind>.refused") and its arrival at each step ("<kind>.to_<role>");
    for a kind the prosecutor may annul, "<kind>.annulled"; "request" for the clocks of chain
    steps."""
    events = set(pack.acts) | {"request", "decision"}
    events |= {f"{kind}.annulled" for kind in pack.annulments}
    for kind, versions in pack.acts.items():
        for rule in versions:
            if rule.chain:
                events |= {f"{kind}.{suffix}" for suffix in EVENT_SUFFIXES}
                for chain in pack.chains.get(rule.chain, ()):
                    events |= {f"{kind}.to_{step.role}" for step in chain.steps}
    return events


def _check_reachable(pack: Pack, reader: _Reader) -> None:
    edges: dict[str, set[str]] = {code: set() for code in pack.stages}
    for versions in pack.acts.values():
        for rule in versions:
            targets = {rule.to, rule.pending, rule.granted_to, rule.refused_to} - {""}
            sources = rule.stages if rule.stages is not None else {pack.initial_stage()}
            for source in sources:
                edges[source] |= targets
    for annul_versions in pack.annulments.values():
        for annul in annul_versions:
            for source in annul.stages or set(pack.stages):
                edges[source] |= {annul.to} - {""}
    seen = {pack.initial_stage()}
    frontier = [pack.initial_stage()]
    while frontier:
        for target in edges[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    unreachable = sorted(set(pack.stages) - seen)
    if unreachable:
        raise PackError(
            f"{reader.where('pack.toml', 'stage')}: unreachable stages {unreachable} "
            "(no act leads there)"
        )


def _index(pack: Pack) -> Pack:
    started: dict[str, list[DeadlineRule]] = {}
    touched: dict[str, set[str]] = {}
    for versions in pack.deadlines.values():
        for rule in versions:
            for event in rule.on:
                started.setdefault(event, []).append(rule)
            for event in (*rule.until, *rule.cancel, *rule.extend):
                touched.setdefault(event, set()).add(rule.id)
    return Pack(
        **{
            name: getattr(pack, name)
            for name in pack.__dataclass_fields__
            if name not in {"started_by", "touched_by"}
        },
        started_by={event: tuple(rules) for event, rules in started.items()},
        touched_by={event: frozenset(ids) for event, ids in touched.items()},
    )


# --- small readers ------------------------------------------------------------------------------


def _term(text: str, where: str) -> Term:
    if text == "now":
        return Term(text, immediately=True)
    match = _TERM.match(text)
    if not match:
        raise PackError(f"{where}: expected e.g. '48h', '3d', '2m' or 'now', got {text!r}")
    return Term(text, int(match["amount"]), Unit(match["unit"]))


def _article(row: Mapping[str, Any], where: str) -> str:
    article = row.get("article")
    if not isinstance(article, str) or not article.strip():
        raise PackError(f"{where}.article: every rule cites its article")
    return article


def _keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise PackError(f"{where}: unknown key {unknown[0]!r} (allowed: {sorted(allowed)})")


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise PackError(f"{where}: expected a table")
    return value


def _rows(data: Mapping[str, Any], key: str, where: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise PackError(f"{where}: expected an array of tables ([[{key}]])")
    return list(enumerate(value))


def _names(data: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    table = _table(data, key, where)
    for name, title in table.items():
        if not isinstance(title, str):
            raise PackError(f"{where}.{name}: expected a title string")
    return dict(table)


def _strings(row: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = row.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PackError(f"{where}.{key}: expected a list of strings")
    return list(value)


def _get(table: Mapping[str, Any], key: str, kind: type[T], where: str) -> T:
    if key not in table:
        raise PackError(f"{where}.{key}: missing")
    value = table[key]
    wrong = (kind is int and isinstance(value, bool)) or (kind is date and hasattr(value, "hour"))
    if not isinstance(value, kind) or wrong:
        raise PackError(f"{where}.{key}: expected {kind.__name__}")
    return value

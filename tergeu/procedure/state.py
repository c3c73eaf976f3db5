"""The case as the procedure engine sees it: a plain, immutable, JSON-serialisable value.

The journal's projection (tergeu/cases/projection.py) keeps what the registry shows — numbers,
assignments, participants; this value keeps what the law's rules need — the stage, the persons'
procedural statuses and measures, open requests for agreement or sanction, covert actions and the
running clocks. It is stored with the case and rebuilt by folding the journal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Person:
    party: str  # "iin:…" or "bin:…"
    status: str = "none"  # none | suspect_pending | suspect | accused | convicted | acquitted
    minor: bool = False
    detained_at: datetime | None = None
    custody_from: datetime | None = None  # custody counts from the actual detention (152(6))
    custody_until: datetime | None = None
    interrogated_seq: int | None = None
    inadmissible: tuple[int, ...] = ()  # seqs of acts whose results are inadmissible


@dataclass(frozen=True)
class Covert:
    seq: int  # the request
    item: int  # art. 231(1) item
    target: str
    status: str = "requested"  # requested | running | refused | ended | notified
    until: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Request:
    """An act awaiting agreement, approval or sanction."""

    seq: int
    kind: str
    chain: str
    chain_from: date  # the chain version it follows
    step: int
    opened_at: datetime
    payload: Mapping[str, Any]
    stage_before: str


@dataclass(frozen=True)
class Ruling:
    """A decision that the prosecutor may annul (art. 193), recorded when it took effect: the
    act's number, kind and payload (the person or motion it concerns), and what the pack says
    annulling it restores (`[[annul]] restores`: e.g. the qualification in force before it)."""

    seq: int
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    before: Mapping[str, Any] = field(default_factory=dict)

    @property
    def party(self) -> str:
        return str(self.payload.get("party") or "")


@dataclass(frozen=True)
class Clock:
    key: str  # unique in the case: "<rule>/<seq of the act that started it>"
    rule: str
    version: date  # valid_from of the rule version that started it
    subject: str
    anchor: datetime
    due_at: datetime
    state: str = "running"  # running | paused | met | breached | cancelled
    group: str = ""
    window: bool = False  # a period for others to act, not a duty
    started_seq: int = 0
    paused_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.state in ("running", "paused")


@dataclass(frozen=True)
class ProcState:
    stage: str = ""
    # article, part, paragraph, offence_category — as registered or as last agreed
    qualification: Mapping[str, str] = field(default_factory=dict)
    form: str = ""
    body: str = ""
    accelerated: bool = False
    registered_at: datetime | None = None
    final_decision_at: datetime | None = None
    persons: Mapping[str, Person] = field(default_factory=dict)
    covert: Mapping[int, Covert] = field(default_factory=dict)
    requests: Mapping[int, Request] = field(default_factory=dict)
    clocks: Mapping[str, Clock] = field(default_factory=dict)
    # The act that made the final decision (a termination, a verdict); what a cancellation of
    # the termination annuls.
    final_decision_seq: int | None = None
    # The punishment of the verdict in force (punishment, term_months, term_days, term_hours,
    # fine_mrp): what an execution order executes. Empty for an acquittal.
    sentence: Mapping[str, Any] = field(default_factory=dict)
    rulings: Mapping[int, Ruling] = field(default_factory=dict)
    annulled: Mapping[int, int] = field(default_factory=dict)  # act → the act annulling it

    @property
    def category(self) -> str:
        return self.qualification.get("offence_category", "")

    @property
    def article(self) -> str:
        return self.qualification.get("article", "")

    def person(self, party: str) -> Person:
        return self.persons.get(party) or Person(party, minor=is_minor(party, None))

    def with_person(self, person: Person) -> ProcState:
        return replace(self, persons={**self.persons, person.party: person})

    def open_clocks(self) -> list[Clock]:
        return [clock for clock in self.clocks.values() if clock.open]

    def suspects(self) -> list[Person]:
        return [p for p in self.persons.values() if p.status in ("suspect", "suspect_pending")]


def birth_date(party: str) -> date | None:
    """The birth date an IIN carries (YYMMDD and the century digit); None for a BIN."""
    scheme, _, number = party.partition(":")
    if scheme != "iin" or len(number) != 12 or not number.isdigit():
        return None
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}.get(number[6])
    if century is None:
        return None
    try:
        return date(century + int(number[:2]), int(number[2:4]), int(number[4:6]))
    except ValueError:
        return None


def is_minor(party: str, on: date | None) -> bool:
    born = birth_date(party)
    if born is None or on is None:
        return False
    return (on.year - born.year - ((on.month, on.day) < (born.month, born.day))) < 18


# --- JSON ---------------------------------------------------------------------------------------


def to_json(state: ProcState) -> dict[str, Any]:
    """A JSON-ready dict; `from_json(to_json(s)) == s`."""
    raw = asdict(state)
    raw["persons"] = list(raw["persons"].values())
    raw["covert"] = list(raw["covert"].values())
    raw["requests"] = list(raw["requests"].values())
    raw["clocks"] = list(raw["clocks"].values())
    raw["rulings"] = list(raw["rulings"].values())
    raw["annulled"] = [[seq, by] for seq, by in raw["annulled"].items()]
    return _encode(raw)  # type: ignore[no-any-return]


def from_json(raw: Mapping[str, Any] | None) -> ProcState:
    if not raw:
        return ProcState()
    persons = {
        p["party"]: Person(
            **{
                **p,
                "detained_at": _moment(p["detained_at"]),
                "custody_from": _moment(p["custody_from"]),
                "custody_until": _moment(p["custody_until"]),
                "inadmissible": tuple(p["inadmissible"]),
            }
        )
        for p in raw["persons"]
    }
    covert = {
        c["seq"]: Covert(**{**c, "until": _moment(c["until"]), "ended_at": _moment(c["ended_at"])})
        for c in raw["covert"]
    }
    requests = {
        r["seq"]: Request(
            **{
                **r,
                "chain_from": date.fromisoformat(r["chain_from"]),
                "opened_at": _moment(r["opened_at"]),
            }
        )
        for r in raw["requests"]
    }
    clocks = {
        c["key"]: Clock(
            **{
                **c,
                "version": date.fromisoformat(c["version"]),
                "anchor": _moment(c["anchor"]),
                "due_at": _moment(c["due_at"]),
                "paused_at": _moment(c["paused_at"]),
                "closed_at": _moment(c["closed_at"]),
            }
        )
        for c in raw["clocks"]
    }
    return ProcState(
        stage=raw["stage"],
        qualification=raw.get("qualification", {}),
        form=raw["form"],
        body=raw["body"],
        accelerated=raw["accelerated"],
        registered_at=_moment(raw["registered_at"]),
        final_decision_at=_moment(raw["final_decision_at"]),
        persons=persons,
        covert=covert,
        requests=requests,
        clocks=clocks,
        # Absent from states stored before annulments and sentences were kept: their defaults.
        final_decision_seq=raw.get("final_decision_seq"),
        sentence=raw.get("sentence", {}),
        rulings={r["seq"]: Ruling(**r) for r in raw.get("rulings", [])},
        annulled={seq: by for seq, by in raw.get("annulled", [])},
    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _moment(value: Any) -> Any:
    return None if value is None else datetime.fromisoformat(value)

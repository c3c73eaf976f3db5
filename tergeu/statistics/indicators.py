"""The indicators of the legal statistics (DOMAIN-KZ §12.2), each a named rule over the acts of
the journal: which acts count, and what detail they are counted by. `count_act` is the only
place that says it; the rollups (`rollup.py`) and a count from scratch both use it, so the
figures are reproducible from the case file alone. Each count is filed under the case's
investigating body, region, offence category and article as of that act (a transfer or a
requalification agreed by the prosecutor moves the later counts, not the earlier)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from tergeu.cases.law import pack
from tergeu.notifications.models import NotificationKind
from tergeu.notifications.reconcile import INFORM_RULES

# The acts that send a case to court once the prosecutor approves them, by route.
COURT_ROUTES = {
    "indictment": "indictment",
    "completion_report": "indictment",
    "accusation_protocol": "accusation_protocol",
    "accelerated_protocol": "accelerated",
    "misdemeanour_protocol": "misdemeanour_protocol",
    "writ_order": "writ",
}
# The judge's sanction: on whose requests a decision of the investigating judge counts.
SANCTIONED = {"custody_motion": "custody", "custody_extension": "custody_extension"}
# Measures of restraint other than custody that the pack files as a motion for a judicial
# sanction (`judicial_sanction_request`, 55(1)): house arrest (146, court since 2015) and bail
# (145(2); through the investigating judge since 118-VI, DOMAIN-KZ §5.1 marks the path [F]).
RESTRAINTS = frozenset({"house_arrest", "bail"})


@dataclass(frozen=True)
class Indicator:
    key: str
    title: Any  # lazy text
    definition: Any  # lazy text: which acts count
    article: str  # of the Criminal Procedure Code
    covert: bool = False
    # "acts": counted from the journal into the rollups; "deadlines": from the case files'
    # clocks (the procedure engine's projection of the journal), counted when read;
    # "notices": the duties to inform not met (tergeu/notifications/reconcile.py).
    source: str = "acts"
    # For a count of clocks: the rules it counts (empty: every rule).
    rules: frozenset[str] = frozenset()


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "registered",
        _("Registered offences"),
        _("Registrations in the unified register (ЕРДР)."),
        "179, 180",
    ),
    Indicator(
        "detained",
        _("Persons detained"),
        _("Detention protocols."),
        "128, 131",
    ),
    Indicator(
        "released",
        _("Persons released"),
        _("Releases of a detained person (without charge, or when custody ends)."),
        "133",
    ),
    Indicator(
        "custody_motion",
        _("Custody motions"),
        _("Motions for custody as a measure of restraint sent on to the judge."),
        "147, 148",
    ),
    Indicator(
        "custody_decision",
        _("Custody decisions of investigating judges"),
        _("The investigating judge's decisions on custody motions and extensions, by outcome."),
        "148, 151",
    ),
    Indicator(
        "house_arrest",
        _("House arrest: decisions on motions"),
        _(
            "Decisions on motions for house arrest as a measure of restraint, by outcome: the "
            "investigating judge's (the prosecutor's where the pack's chain of the day says so)."
        ),
        "146, 147, 148",
    ),
    Indicator(
        "bail",
        _("Bail: decisions on motions"),
        _("Decisions on motions for bail as a measure of restraint, by outcome."),
        "145",
    ),
    Indicator(
        "sanction_decision",
        _("Investigative actions and measures sanctioned"),
        _(
            "Decisions on motions for a sanction (search, seizure, arrest of property, "
            "suspension from office, exhumation…), by outcome: the investigating judge's since "
            "118-VI, the prosecutor's before."
        ),
        "55(1), 56",
    ),
    Indicator(
        "covert_decision",
        _("Covert investigative actions: judges' decisions"),
        _(
            "The investigating judge's (before 2018-03-01 the prosecutor's) decisions on requests "
            "for covert investigative actions, by outcome."
        ),
        "232, 234",
        covert=True,
    ),
    Indicator(
        "case_form",
        _("Cases by form of investigation"),
        _("Acceptances into production by form, accelerated investigations and writ orders."),
        "189, 190, 629-2",
    ),
    Indicator(
        "sent_to_court",
        _("Cases sent to court"),
        _("The prosecutor's approval of an indictment, a protocol or a writ order, by route."),
        "298–302, 629-3",
    ),
    Indicator(
        "terminated",
        _("Cases terminated"),
        _(
            "Terminations, by ground (rehabilitating or not), when they take effect: on the "
            "prosecutor's approval where the law requires one."
        ),
        "35, 288",
    ),
    Indicator(
        "suspended",
        _("Cases suspended"),
        _("Interruptions of the terms of the pre-trial investigation the prosecutor agreed to."),
        "45",
    ),
    Indicator(
        "verdict",
        _("Verdicts"),
        _(
            "Verdicts of the first instance: convictions by punishment, and acquittals; writ "
            "verdicts."
        ),
        "390–404, 629-4",
    ),
    Indicator(
        "appeal",
        _("Appeals filed"),
        _("Appeals against verdicts filed within the window, by who filed them."),
        "414–419",
    ),
    Indicator(
        "appeal_decision",
        _("Appeal outcomes"),
        _("Decisions of the appeal court, by outcome: upheld, changed, acquitted, quashed."),
        "425, 431",
    ),
    Indicator(
        "suspect_refused",
        _("Recognitions as suspect refused by prosecutors"),
        _("The prosecutor's refusals to agree to a recognition as suspect."),
        "202(1-1)",
    ),
    Indicator(
        "motion_refused",
        _("Motions of the defence refused"),
        _("Decisions refusing a motion of the defence."),
        "99",
    ),
)
BREACHED = Indicator(
    "deadline_breached",
    _("Statutory deadlines breached"),
    _(
        "Clocks of the law whose term ended in the period unmet (the engine's verdict on the "
        "case file), by rule; periods left for others to act (appeal windows) aside."
    ),
    "48, the rules' own",
    source="deadlines",
)
# Named counts among the breached clocks (deadlines.toml): the rules each one reads.
DETENTION_EXCEEDED = Indicator(
    "detention_exceeded",
    _("Detentions that exceeded their term"),
    _(
        "Detained persons not released when the term of detention ended without a court order "
        "for custody (48 hours; 72 in the listed grave cases; 24 for a minor), by rule."
    ),
    "131(4), 133(2)",
    source="deadlines",
    rules=frozenset({"R39", "R39X", "R40"}),
)
MOTION_UNDECIDED = Indicator(
    "motion_undecided",
    _("Motions of the defence not decided in time"),
    _(
        "Motions of the defence left undecided past their 3 days, and the defence's complaints "
        "left undecided by the investigating judge past theirs, by rule."
    ),
    "99(4), 106(6)",
    source="deadlines",
    rules=frozenset({"R67", "R70"}),
)
NOTICE_MISSED = Indicator(
    "notice_missed",
    _("Duties to inform not met"),
    _(
        "Duties to inform due in the period and met late or not at all: the prosecutor told of "
        "the investigation (R01) or a detention (R37), the family told of a detention (135), "
        "and every copy to a victim or participant not delivered by its term, by duty."
    ),
    "131(3), 135, 179(1), §9.3",
    source="notices",
    rules=INFORM_RULES,
)
INDICATORS = (*INDICATORS, BREACHED, DETENTION_EXCEEDED, MOTION_UNDECIDED, NOTICE_MISSED)
BY_KEY: Mapping[str, Indicator] = {i.key: i for i in INDICATORS}
COVERT = frozenset(i.key for i in INDICATORS if i.covert)


# The requests whose decision counts (see `_decision`), and every kind `count_act` or the
# counting's context reads: the counting reads only these acts from the journal.
DECIDED = frozenset(
    {
        *SANCTIONED,
        *COURT_ROUTES,
        "covert_action",
        "recognition_as_suspect",
        "termination",
        "interruption",
        "qualification",
        "judicial_sanction_request",
    }
)
COUNTED = frozenset(
    {
        *DECIDED,
        "registration",
        "jurisdiction_transfer",
        "decision",
        "detention",
        "release",
        "acceptance",
        "accelerated_mode",
        "verdict",
        "writ_verdict",
        "appeal",
        "appeal_decision",
        "motion_decision",
    }
)


@dataclass(frozen=True)
class Request:
    """The act a decision decides, as the counting needs it."""

    kind: str
    payload: Mapping[str, Any]


def _approved(kind: str, day: date, payload: Mapping[str, Any]) -> bool:
    """Whether the act of `kind` on `day` takes effect only once approved (its version then has
    a chain of decisions): a termination from 2021 (Law 384-VI), some before."""
    for version in pack().acts.get(kind, ()):
        conditions = version.when.payload
        if version.window.covers(day) and all(payload.get(k) == v for k, v in conditions.items()):
            return bool(version.chain)
    return False


def _termination(payload: Mapping[str, Any]) -> tuple[str, str]:
    return "terminated", "rehabilitating" if payload.get("rehabilitating") else "other"


def count_act(
    kind: str, payload: Mapping[str, Any], actor_role: str, request: Request | None, day: date
) -> Iterator[tuple[str, str]]:
    """The (indicator, detail) pairs one act of `day` counts for. `request`: for a decision,
    the act it decides. What needs an approval counts when it is approved."""
    if kind == "registration":
        yield "registered", ""
    elif kind == "detention":
        yield "detained", ""
    elif kind == "release":
        yield "released", ""
    elif kind == "custody_motion":
        yield "custody_motion", ""
    elif kind == "acceptance":
        yield "case_form", str(payload.get("form", ""))
    elif kind == "accelerated_mode":
        yield "case_form", "accelerated"
    elif kind == "writ_order":
        yield "case_form", "writ"
    elif kind == "termination" and not _approved(kind, day, payload):
        yield _termination(payload)
    elif kind == "verdict":
        if payload.get("outcome") == "conviction":
            yield "verdict", f"conviction:{payload.get('punishment', '')}"
        else:
            yield "verdict", "acquittal"
    elif kind == "writ_verdict":
        yield "verdict", "writ"
    elif kind == "appeal":
        yield "appeal", str(payload.get("by", ""))
    elif kind == "appeal_decision":
        yield "appeal_decision", str(payload.get("outcome", ""))
    elif kind == "motion_decision":
        if payload.get("outcome") == "refused":
            yield "motion_refused", ""
    elif kind == "decision" and request is not None:
        yield from _decision(str(payload.get("outcome", "")), actor_role, request)


# Who sanctions: the investigating judge, and before a matter moved to the court (118-VI), the
# prosecutor; the chain of the act's day says which (chains.toml), so either counts.
SANCTIONING = ("investigating_judge", "prosecutor")


def _decision(outcome: str, actor_role: str, request: Request) -> Iterator[tuple[str, str]]:
    if request.kind in SANCTIONED and actor_role == "investigating_judge":
        yield "custody_decision", outcome
    elif request.kind == "covert_action" and actor_role in SANCTIONING:
        yield "covert_decision", outcome
    elif request.kind == "judicial_sanction_request" and actor_role in SANCTIONING:
        matter = str(request.payload.get("matter", ""))
        yield (matter if matter in RESTRAINTS else "sanction_decision"), outcome
    elif request.kind in COURT_ROUTES and actor_role == "prosecutor" and outcome == "granted":
        yield "sent_to_court", COURT_ROUTES[request.kind]
    elif request.kind == "recognition_as_suspect" and outcome == "refused":
        yield "suspect_refused", ""
    elif request.kind == "termination" and outcome == "granted":
        yield _termination(request.payload)
    elif request.kind == "interruption" and outcome == "granted":
        yield "suspended", ""


# The words for the details the indicators are counted by (a punishment after "conviction:").
DETAILS: Mapping[str, Any] = {
    "granted": _("granted"),
    "refused": _("refused"),
    "shortened": _("granted for a shorter term"),
    "protocol": _("protocol form"),
    "inquiry": _("inquiry"),
    "preliminary": _("preliminary investigation"),
    "accelerated": _("accelerated"),
    "writ": _("writ proceedings"),
    "indictment": _("indictment"),
    "accusation_protocol": _("protocol of accusation"),
    "misdemeanour_protocol": _("misdemeanour protocol"),
    "rehabilitating": _("on a rehabilitating ground"),
    "other": _("on another ground"),
    "acquittal": _("acquittal"),
    "conviction": _("conviction"),
    "upheld": _("upheld"),
    "changed": _("changed"),
    "acquitted": _("acquitted"),
    "quashed": _("quashed, for a new trial"),
    "prosecutor": _("by the prosecutor"),
    "convict": _("by the convict"),
    "defender": _("by the defender"),
    "victim": _("by the victim"),
    "civil_party": _("by a civil party"),
}


def detail_label(detail: str) -> str:
    """A detail in words: "conviction:fine" reads "conviction: fine"; a rule, its duty; a kind
    of notification, its name."""
    rules = pack().deadlines.get(detail)
    if rules:
        return f"{detail} — {_(rules[-1].duty)}"
    if detail in NotificationKind.values:
        return str(NotificationKind(detail).label)
    head, _sep, rest = detail.partition(":")
    text = str(DETAILS.get(head, head.replace("_", " ")))
    if rest:
        return f"{text}: {_(rest.replace('_', ' '))}"
    return text

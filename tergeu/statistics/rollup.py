"""The rollups: the indicators counted from the journal into `Fact` rows, chain by chain (a
case's journal, each of its covert compartments), from where the last pass stopped (`Chain`).
A chain is read up to the case's or compartment's `last_seq`, which the act's own transaction
sets, so an act being appended meanwhile is read by the next pass, never half.

`recount()` counts everything again from scratch without writing; `check()` compares that with
the rollups (the proof that they are the journal's figures); `rebuild()` replaces them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from tergeu import clock
from tergeu.accounts.models import Agency
from tergeu.cases.models import Case, Compartment
from tergeu.journal.models import Act
from tergeu.statistics.indicators import COUNTED, COVERT, DECIDED, Request, count_act
from tergeu.statistics.models import Chain, Fact, Occurrence

BATCH = 500  # chains a transaction


class Key(NamedTuple):
    indicator: str
    detail: str
    day: date
    agency_id: int
    category: str
    article: str


@dataclass
class Context:
    """Where a chain stands: the last act read, and the case's body and offence as of it."""

    seq: int
    agency_id: int
    category: str
    article: str


def _regions() -> dict[int, str]:
    return dict(Agency.objects.values_list("pk", "region__code").iterator())


def _requests(case_id: int, number: int, seqs: set[int]) -> dict[int, Request]:
    acts = Act.objects.filter(case_id=case_id, seq__in=seqs, kind__in=DECIDED)
    acts = acts.filter(compartment__number=number) if number else acts.filter(compartment=None)
    return {
        seq: Request(kind, payload)
        for seq, kind, payload in acts.values_list("seq", "kind", "payload")
    }


class Seen(NamedTuple):
    """One counted act of a chain."""

    key: Key
    case_id: int
    number: int
    seq: int


Row = tuple[int, str, Any, str, Any]  # seq, kind, payload, actor role, performed at


def count_chain(
    case_id: int,
    number: int,
    context: Context,
    until: int,
    counts: Counter[Key],
    seen: list[Seen] | None = None,
) -> Context:
    """Count the acts of one chain after `context.seq` up to `until` into `counts` (and each
    counted act into `seen`); the context after them."""
    acts = Act.objects.filter(
        case_id=case_id, seq__gt=context.seq, seq__lte=until, kind__in=COUNTED
    )
    acts = acts.filter(compartment__number=number) if number else acts.filter(compartment=None)
    rows: list[Row] = list(
        acts.order_by("seq").values_list("seq", "kind", "payload", "actor_role", "performed_at")
    )
    decided = {int(p["request"]) for _s, k, p, _r, _a in rows if k == "decision" and "request" in p}
    requests = {s: Request(k, p) for s, k, p, _r, _a in rows if s in decided}
    missing = decided - requests.keys()
    if missing:
        requests |= _requests(case_id, number, missing)
    for row in rows:
        _count(case_id, number, context, row, requests, counts, seen)
    context.seq = max(context.seq, until)
    return context


def _count(
    case_id: int,
    number: int,
    context: Context,
    row: Row,
    requests: dict[int, Request],
    counts: Counter[Key],
    seen: list[Seen] | None,
) -> None:
    """Count one act of a chain, the acts before it read (`requests`: those it may decide)."""
    seq, kind, payload, role, performed_at = row
    request = requests.get(int(payload.get("request", 0))) if kind == "decision" else None
    _follow(context, kind, payload, request)
    day = performed_at.astimezone(clock.legal_zone()).date()
    for indicator, detail in count_act(kind, payload, role, request, day):
        key = Key(indicator, detail, day, context.agency_id, context.category, context.article)
        counts[key] += 1
        if seen is not None:
            seen.append(Seen(key, case_id, number, seq))
    context.seq = seq


def registered(payload: Any) -> Context:
    """The case's body and offence at its registration: what a covert compartment's acts are
    filed under (they are few, and this way counted the same whenever they are read)."""
    q = payload["qualification"]
    return Context(0, int(payload["investigation_unit_id"]), q["offence_category"], q["article"])


def _follow(context: Context, kind: str, payload: Any, request: Request | None) -> None:
    """The case's body and offence after this act: registration, a transfer, a requalification
    once the prosecutor agrees to it."""
    if kind == "registration":
        q = payload["qualification"]
        context.agency_id = int(payload["investigation_unit_id"])
        context.category, context.article = q["offence_category"], q["article"]
    elif kind == "jurisdiction_transfer":
        context.agency_id = int(payload["to_unit_id"])
    elif (
        kind == "decision"
        and request is not None
        and request.kind == "qualification"
        and payload.get("outcome") == "granted"
    ):
        context.category = str(request.payload.get("offence_category", context.category))
        context.article = str(request.payload.get("article", context.article))


def _pending_cases() -> Iterable[tuple[int, int]]:
    """(case, last_seq) of the cases whose journal has acts the rollups have not read."""
    done = Chain.objects.filter(case=OuterRef("pk"), number=0).values("seq")[:1]
    return (
        Case.objects.annotate(done=Coalesce(Subquery(done), Value(0)))
        .filter(last_seq__gt=F("done"))
        .order_by("pk")
        .values_list("pk", "last_seq")
    )


def _pending_compartments() -> Iterable[tuple[int, int, int]]:
    done = Chain.objects.filter(case=OuterRef("case_id"), number=OuterRef("number")).values("seq")[
        :1
    ]
    return (
        Compartment.objects.annotate(done=Coalesce(Subquery(done), Value(0)))
        .filter(last_seq__gt=F("done"))
        .order_by("case_id", "number")
        .values_list("case_id", "number", "last_seq")
    )


def refresh() -> int:
    """Read every chain's new acts into the rollups; the number of chains read."""
    regions = _regions()
    read = 0
    for batch in _batches(list(_pending_cases())):
        read += _refresh([(case_id, 0, last) for case_id, last in batch], regions)
    for chains in _batches(list(_pending_compartments())):
        read += _refresh(chains, regions)
    return read


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _refresh(chains: list[tuple[int, int, int]], regions: dict[int, str]) -> int:
    counts: Counter[Key] = Counter()
    seen: list[Seen] = []
    with transaction.atomic():
        cases = {c.pk: c for c in Case.objects.filter(pk__in={c for c, _n, _l in chains})}
        stored = {
            (row.case_id, row.number): row
            for row in Chain.objects.select_for_update().filter(
                case_id__in=cases, number__in={n for _c, n, _l in chains}
            )
        }
        for case_id, number, last in chains:
            row = stored.get((case_id, number))
            if row is None:
                case = cases[case_id]
                start = Context(
                    0, case.investigation_unit_id, case.offence_category, case.qualification_article
                )
                if number:  # a compartment: the case's body and offence at its registration
                    start = registered(
                        Act.objects.get(
                            case_id=case_id, compartment=None, kind="registration"
                        ).payload
                    )
                row = Chain(
                    case_id=case_id,
                    number=number,
                    seq=0,
                    agency_id=start.agency_id,
                    category=start.category,
                    article=start.article,
                )
            context = Context(row.seq, row.agency_id, row.category, row.article)
            context = count_chain(case_id, number, context, last, counts, seen)
            row.seq, row.agency_id = context.seq, context.agency_id
            row.category, row.article = context.category, context.article
            row.save()
        _add(counts, regions)
        Occurrence.objects.bulk_create([_occurrence(s, regions) for s in seen], batch_size=2000)
    return len(chains)


def _occurrence(seen: Seen, regions: dict[int, str]) -> Occurrence:
    key = seen.key
    return Occurrence(
        indicator=key.indicator,
        detail=key.detail,
        day=key.day,
        case_id=seen.case_id,
        number=seen.number,
        seq=seen.seq,
        agency_id=key.agency_id,
        region=regions.get(key.agency_id) or "",
        category=key.category,
        article=key.article,
    )


def _add(counts: Counter[Key], regions: dict[int, str]) -> None:
    """Add `counts` to the rollups (the caller holds the transaction)."""
    if not counts:
        return
    days = {k.day for k in counts}
    existing = {
        Key(f.indicator, f.detail, f.day, f.agency_id, f.category, f.article): f
        for f in Fact.objects.select_for_update().filter(
            day__in=days, indicator__in={k.indicator for k in counts}
        )
    }
    new, changed = [], []
    for key, n in counts.items():
        fact = existing.get(key)
        if fact is None:
            new.append(_fact(key, n, regions))
        else:
            fact.count += n
            changed.append(fact)
    Fact.objects.bulk_create(new, batch_size=2000)
    Fact.objects.bulk_update(changed, ["count"], batch_size=2000)


def _fact(key: Key, n: int, regions: dict[int, str]) -> Fact:
    return Fact(
        indicator=key.indicator,
        detail=key.detail,
        day=key.day,
        agency_id=key.agency_id,
        region=regions.get(key.agency_id) or "",
        category=key.category,
        article=key.article,
        covert=key.indicator in COVERT,
        count=n,
    )


def recount(seen: list[Seen] | None = None) -> tuple[Counter[Key], list[Chain]]:
    """Every indicator counted again from the whole journal (each counted act into `seen`), and
    where each chain then stands; nothing written. One pass over the acts that can count, in
    journal order: the cases' journals, then the compartments'."""
    counts: Counter[Key] = Counter()
    chains: list[Chain] = []
    at_registration: dict[int, Context] = {}
    acts = (
        Act.objects.filter(kind__in=COUNTED)
        .order_by("case_id", "seq")
        .values_list("case_id", "seq", "kind", "payload", "actor_role", "performed_at")
    )
    cases = Case.objects.filter(last_seq__gt=0).order_by("pk").values_list("pk", "last_seq")
    for (case_id, last), rows in _merge(
        cases.iterator(chunk_size=5000), _by_chain(acts.filter(compartment=None))
    ):
        context = Context(0, 0, "", "")
        requests: dict[int, Request] = {}
        for row in rows:
            _count(case_id, 0, context, row, requests, counts, seen)
            if row[1] in DECIDED:
                requests[row[0]] = Request(row[1], row[2])
            if row[1] == "registration":
                at_registration[case_id] = registered(row[2])
        context.seq = last
        chains.append(_chain(case_id, 0, context))
    compartments = (
        Act.objects.filter(compartment__isnull=False, kind__in=COUNTED)
        .order_by("case_id", "compartment__number", "seq")
        .values_list(
            "case_id", "compartment__number", "seq", "kind", "payload", "actor_role", "performed_at"
        )
    )
    chambers = (
        Compartment.objects.filter(last_seq__gt=0)
        .order_by("case_id", "number")
        .values_list("case_id", "number", "last_seq")
    )
    keyed = (((c, n), last) for c, n, last in chambers.iterator())
    for ((case_id, number), last), rows in _merge(keyed, _by_compartment(compartments)):
        base = at_registration[case_id]
        context = Context(0, base.agency_id, base.category, base.article)
        requests = {}
        for row in rows:
            _count(case_id, number, context, row, requests, counts, seen)
            if row[1] in DECIDED:
                requests[row[0]] = Request(row[1], row[2])
        context.seq = last
        chains.append(_chain(case_id, number, context))
    return counts, chains


def _merge(
    chains: Iterable[tuple[Any, int]], groups: Iterator[tuple[Any, list[Row]]]
) -> Iterator[tuple[tuple[Any, int], list[Row]]]:
    """Each chain (key, last seq), in key order, with its counted acts from `groups` (in the
    same order): both streamed, side by side."""
    pending = next(groups, None)
    for key, last in chains:
        while pending is not None and pending[0] < key:  # acts of a chain not listed: none
            pending = next(groups, None)
        if pending is not None and pending[0] == key:
            yield (key, last), pending[1]
            pending = next(groups, None)
        else:
            yield (key, last), []


def _by_chain(acts: Any) -> Iterator[tuple[int, list[Row]]]:
    """The acts (case, seq, kind, payload, role, moment), streamed, grouped by case."""
    current: int | None = None
    rows: list[Row] = []
    for case_id, *row in acts.iterator(chunk_size=5000):
        if case_id != current:
            if current is not None:
                yield current, rows
            current, rows = case_id, []
        rows.append(tuple(row))
    if current is not None:
        yield current, rows


def _by_compartment(acts: Any) -> Iterator[tuple[tuple[int, int], list[Row]]]:
    current: tuple[int, int] | None = None
    rows: list[Row] = []
    for case_id, number, *row in acts.iterator(chunk_size=5000):
        if (case_id, number) != current:
            if current is not None:
                yield current, rows
            current, rows = (case_id, number), []
        rows.append(tuple(row))
    if current is not None:
        yield current, rows


def _chain(case_id: int, number: int, context: Context) -> Chain:
    return Chain(
        case_id=case_id,
        number=number,
        seq=context.seq,
        agency_id=context.agency_id,
        category=context.category,
        article=context.article,
    )


def stored() -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for row in Fact.objects.values_list(
        "indicator", "detail", "day", "agency_id", "category", "article", "count"
    ).iterator(chunk_size=5000):
        counts[Key(*row[:6])] += row[6]
    return counts


def listed() -> Counter[Key]:
    """The occurrences the drill-down lists, counted as the rollups count."""
    counts: Counter[Key] = Counter()
    for row in Occurrence.objects.values_list(
        "indicator", "detail", "day", "agency_id", "category", "article"
    ).iterator(chunk_size=5000):
        counts[Key(*row)] += 1
    return counts


def check() -> list[str]:
    """Every difference between the rollups (and the occurrences behind them) and a count from
    scratch (empty: they agree). Chains with acts not yet read are read first."""
    refresh()
    fresh, _chains = recount()
    problems = []
    for what, kept in (("rollup", stored()), ("listed", listed())):
        for key in sorted(fresh.keys() | kept.keys()):
            if fresh[key] != kept[key]:
                problems.append(
                    f"{key.indicator}/{key.detail or '-'} {key.day} body {key.agency_id} "
                    f"{key.category or '-'} art. {key.article or '-'}: {what} {kept[key]}, "
                    f"journal {fresh[key]}"
                )
    return problems


def rebuild() -> int:
    """Replace the rollups with a count from scratch; the number of facts."""
    regions = _regions()
    seen: list[Seen] = []
    counts, chains = recount(seen)
    with transaction.atomic():
        Fact.objects.all().delete()
        Occurrence.objects.all().delete()
        Chain.objects.all().delete()
        Chain.objects.bulk_create(chains, batch_size=2000)
        Occurrence.objects.bulk_create([_occurrence(s, regions) for s in seen], batch_size=2000)
        Fact.objects.bulk_create(
            [_fact(key, n, regions) for key, n in counts.items()], batch_size=2000
        )
    return len(counts)

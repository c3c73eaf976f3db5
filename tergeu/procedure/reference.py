"""docs/rules.md: a readable reference of a procedure pack, generated from the pack itself.

`python -m tergeu.procedure.reference [PATH]` prints the reference, or writes it to PATH (`make
rules`). The text depends on nothing but the pack — sorted, no timestamps — so that a test can
compare the committed file with a fresh rendering and the reference cannot drift from the rules
the engine enforces."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

from tergeu.procedure.pack import (
    DECISIONS,
    ActRule,
    AnnulRule,
    Chain,
    DeadlineRule,
    Pack,
    Term,
    When,
    Window,
    choices,
    load_pack,
)

# The numbered catalogue of DOMAIN-KZ §13.2: each id is enforced by the pack or listed, with
# its reason, among the rules not modelled.
CATALOGUE = tuple(f"R{number:02d}" for number in range(1, 87))
UNCERTAIN = "[U]"


def render(pack: Pack) -> str:
    """The Markdown of docs/rules.md for `pack`."""
    sections = [
        _intro(pack),
        _laws(pack),
        _switches(pack),
        _vocabulary(pack),
        _stages(pack),
        _acts(pack),
        _annulments(pack),
        _chains(pack),
        _deadlines(pack),
        _not_modelled(pack),
        _notifications(pack),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def natural_key(ident: str) -> tuple[object, ...]:
    """R01 < R09 < R09b < R10 < R39 < R39X < R86, then ids of other series (X-HEAD)."""
    parts = re.split(r"(\d+)", ident)
    return (not ident.startswith("R"),) + tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part) for part in parts
    )


def coverage(pack: Pack) -> tuple[list[str], list[str], list[str]]:
    """The catalogue ids enforced by a deadline rule, listed as not modelled, and missing."""
    listed_ids = {item.id for item in pack.not_modelled}
    enforced = [i for i in CATALOGUE if i in pack.deadlines]
    listed = [i for i in CATALOGUE if i in listed_ids and i not in pack.deadlines]
    missing = [i for i in CATALOGUE if i not in pack.deadlines and i not in listed_ids]
    return enforced, listed, missing


# --- sections -----------------------------------------------------------------------------------


def _intro(pack: Pack) -> list[str]:
    versions = sum(len(v) for v in pack.acts.values())
    rules = sum(len(v) for v in pack.deadlines.values())
    return [
        f"# Procedure rules: {pack.title}",
        "",
        f"<!-- Generated from tergeu/procedure/packs/{pack.name}/ by tergeu/procedure/reference.py."
        " Do not edit by hand: run `make rules`. -->",
        "",
        f"This reference is generated from the procedure pack `{pack.name}`"
        f" (`tergeu/procedure/packs/{pack.name}/`), the data the procedure engine enforces. **Do not"
        " edit it by hand**: change the pack's TOML files and run `make rules` (that is, `.venv/bin/"
        "python -m tergeu.procedure.reference docs/rules.md`); a test fails when this file and the"
        " pack disagree. The format of the pack is described in [pack-format.md](pack-format.md).",
        "",
        f"- Time zone of legal days: {pack.zone}.",
        f'- "Immediately" (term `now`, незамедлительно) is enforced as {pack.immediately_hours}'
        " hours.",
        "- Working days come from the pack's `calendar.toml` (see [terms.md](terms.md)).",
        "- Dates name the law they come from: `law:<key>` is the day the law took effect,"
        " `before:<key>` the day before it (the last day of the wording it replaced).",
        f"- {UNCERTAIN} marks a reading that DOMAIN-KZ flags as uncertain: to be verified and"
        " corrected in the pack. A rule dated by an uncertain law (see Laws) moves with it.",
        f"- {len(pack.acts)} act kinds ({versions} versions), {len(pack.chains)} chains,"
        f" {len(pack.deadlines)} deadline rules ({rules} versions),"
        f" {len(pack.notifications)} notification duties.",
        "",
        "Contents: [Laws](#laws) · [Phased switches](#phased-switches) ·"
        " [Vocabulary](#vocabulary) · [Stages](#stages) · [Act kinds](#act-kinds) ·"
        " [Annulment](#annulment) · [Chains](#chains) · [Deadline catalogue](#deadline-catalogue) ·"
        " [Catalogue rules not enforced](#catalogue-rules-not-enforced) ·"
        " [Notification duties](#notification-duties)",
    ]


def _laws(pack: Pack) -> list[str]:
    lines = ["## Laws", "", "| key | in force from | title | |", "|---|---|---|---|"]
    for law in sorted(pack.laws.values(), key=lambda law: (law.date, law.key)):
        flag = UNCERTAIN if law.uncertain else ""
        lines.append(f"| `{law.key}` | {law.date} | {_cell(law.title)} | {flag} |")
    return lines


def _switches(pack: Pack) -> list[str]:
    lines = ["## Phased switches"]
    for name in sorted(pack.switches):
        switch = pack.switches[name]
        lines += ["", f"### `{name}`: {switch.title}", "", f"Article {switch.article}.", ""]
        lines += ["| phase | from | categories | bodies | forms | articles | |"]
        lines += ["|---|---|---|---|---|---|---|"]
        for number, phase in enumerate(switch.phases, 1):
            cells = [
                _ordered(phase.categories, pack.categories),
                _ordered(phase.bodies, pack.bodies),
                _ordered(phase.forms, pack.forms),
                sorted(phase.articles, key=natural_key),
            ]
            row = " | ".join(_codes(cell) or "any" for cell in cells)
            flag = UNCERTAIN if phase.uncertain else ""
            lines.append(f"| {number} | {phase.valid_from} | {row} | {flag} |")
    return lines


def _vocabulary(pack: Pack) -> list[str]:
    lines = ["## Vocabulary", ""]
    lines += ["| table | code | meaning |", "|---|---|---|"]
    named = (
        ("categories", pack.categories),
        ("forms", pack.forms),
        ("bodies", pack.bodies),
        ("roles", pack.roles),
    )
    for table, names in named:
        lines += [f"| {table} | `{code}` | {_cell(title)} |" for code, title in names.items()]
    for group in sorted(pack.role_groups):
        members = _codes(sorted(pack.role_groups[group]))
        lines.append(f"| role_groups | `{group}` | {members} |")
    for punishment, role in sorted(pack.executors.items()):
        lines.append(f"| executors | `{punishment}` | executed by `{role}` |")
    return lines


def _stages(pack: Pack) -> list[str]:
    lines = ["## Stages", "", "In the order the pack declares them."]
    lines += ["", "| code | title | | pauses clock groups |", "|---|---|---|---|"]
    for stage in pack.stages.values():
        mark = "initial" if stage.initial else "terminal" if stage.terminal else ""
        pauses = _codes(sorted(stage.pauses))
        lines.append(f"| `{stage.code}` | {_cell(stage.title)} | {mark} | {pauses} |")
    return lines


def _acts(pack: Pack) -> list[str]:
    lines = ["## Act kinds"]
    for kind in sorted(pack.acts):
        versions = pack.acts[kind]
        for number, rule in enumerate(versions, 1):
            lines += ["", _heading(f"`{kind}`", rule.label, number, len(versions), rule.uncertain)]
            lines += ["", *_act_lines(pack, rule)]
    return lines


def _act_lines(pack: Pack, rule: ActRule) -> list[str]:
    items = [
        ("Article", rule.article),
        ("Valid", _validity(pack, rule.window)),
        ("Applies when", _when(pack, rule.when)),
        ("Performers", _codes(sorted(rule.performers))),
        ("At stages", _act_stages(pack, rule)),
        ("Leads to", _code(rule.to)),
        ("Preconditions", _codes(rule.requires)),
        ("Effects", _codes(rule.effects)),
        *_chain_items(rule),
        ("Payload", _payload(rule)),
        ("Source", rule.source),
    ]
    return _bullets(items)


def _annulments(pack: Pack) -> list[str]:
    lines = ["## Annulment", ""]
    lines += [
        "Decisions the prosecutor may annul as unlawful with an act of kind `annulment` naming"
        " them (art. 193), and what annulling each does. Any other act is refused"
        " (`not_annullable`)."
    ]
    for kind in sorted(pack.annulments):
        versions = pack.annulments[kind]
        for number, rule in enumerate(versions, 1):
            title = pack.acts[kind][-1].label
            lines += ["", _heading(f"`{kind}`", title, number, len(versions), rule.uncertain)]
            lines += ["", *_annul_lines(pack, rule)]
    return lines


def _annul_lines(pack: Pack, rule: AnnulRule) -> list[str]:
    stages = _codes([code for code in pack.stages if code in rule.stages])
    items = [
        ("Article", rule.article),
        ("Valid", _validity(pack, rule.window)),
        ("At stages", stages or "any stage the annulment is allowed at"),
        ("Preconditions", _codes(rule.requires)),
        ("Effects", _codes(rule.effects)),
        ("Restores as before the act", _codes(rule.restores)),
        ("Leads to", _code(rule.to)),
        ("Event", f"`{rule.kind}.annulled`"),
        ("Source", rule.source),
    ]
    return _bullets(items)


def _chain_items(rule: ActRule) -> list[tuple[str, str]]:
    if not rule.chain:
        return []
    refused_to = _code(rule.refused_to) or ("the stage before the request" if rule.pending else "")
    return [
        ("Chain", f"`{rule.chain}`"),
        ("While the chain is open", _code(rule.pending)),
        ("Granted", _outcome(_code(rule.granted_to), rule.on_granted)),
        ("Refused", _outcome(refused_to, rule.on_refused)),
    ]


def _chains(pack: Pack) -> list[str]:
    lines = ["## Chains", "", "Agreements, approvals and sanctions an act needs, step by step."]
    for chain_id in sorted(pack.chains):
        versions = pack.chains[chain_id]
        users = sorted(k for k, v in pack.acts.items() if any(r.chain == chain_id for r in v))
        for number, chain in enumerate(versions, 1):
            lines += ["", _heading(f"`{chain_id}`", chain.title, number, len(versions), False)]
            lines += ["", *_chain_lines(pack, chain, users)]
    return lines


def _chain_lines(pack: Pack, chain: Chain, users: list[str]) -> list[str]:
    items = [
        ("Valid", _validity(pack, chain.window)),
        ("Requested by", _codes(users)),
        ("Pauses clock groups while open", _codes(sorted(chain.pauses))),
        ("Source", chain.source),
    ]
    lines = [*_bullets(items), ""]
    lines += ["| step | decided by | decision | outcomes | term (deadline rules) | article |"]
    lines += ["|---|---|---|---|---|---|"]
    for number, step in enumerate(chain.steps, 1):
        who = f"`{step.role}`"
        if set(step.roles) != {step.role}:
            who += f" ({_codes(sorted(step.roles))})"
        outcomes = ", ".join(DECISIONS[step.decision])
        term = ", ".join(step.deadlines)
        if step.expires_with:
            term += f"; no grant after the end of {', '.join(step.expires_with)}"
        lines.append(
            f"| {number} | {who} | {step.decision} | {outcomes} | {term} | {_cell(step.article)} |"
        )
    return lines


def _deadlines(pack: Pack) -> list[str]:
    lines = ["## Deadline catalogue", ""]
    lines += [
        "The numbered rules of DOMAIN-KZ §13.2 (R01–R86, with suffixed variants such as R39X),"
        " then the X- rules: decision terms of chain steps that the catalogue does not number."
        " A clock starts on an event, runs for the term and is discharged (met or breached) by"
        " another event."
    ]
    for rule_id in sorted(pack.deadlines, key=natural_key):
        versions = pack.deadlines[rule_id]
        for number, rule in enumerate(versions, 1):
            lines += ["", _heading(rule_id, rule.duty, number, len(versions), rule.uncertain)]
            lines += ["", *_deadline_lines(pack, rule)]
    return lines


def _deadline_lines(pack: Pack, rule: DeadlineRule) -> list[str]:
    items = [
        ("Term", _deadline_term(pack, rule)),
        ("Counting", rule.counting.name.lower()),
        ("Starts on", _codes(sorted(rule.on))),
        ("Applies when", _when(pack, rule.when)),
        (
            "Subject",
            f"payload field `{rule.subject}` (one clock per value)" if rule.subject else "",
        ),
        ("Discharged by", _discharged(rule)),
        ("Made moot by", _codes(sorted(rule.cancel))),
        ("Extended by", _extended(rule)),
        ("Cap", "the decision's `until` may set an earlier end, never a later" if rule.cap else ""),
        (
            "Period",
            "a period for others to act: closing it is never a breach" if rule.period else "",
        ),
        ("Clock group", _group(pack, rule.group)),
        ("Decision term of", _steps_using(pack, rule.id)),
        ("Responsible", _code(rule.responsible)),
        ("Consequence", rule.consequence),
        ("Article", rule.article),
        ("Valid", _validity(pack, rule.window)),
        ("Source", rule.source),
    ]
    return _bullets(items)


def _deadline_term(pack: Pack, rule: DeadlineRule) -> str:
    if rule.before:
        others = " or ".join(rule.before)
        return (
            f"ends {_term(pack, rule.term)} before the end of the running clock of {others}"
            " (the first one open, same subject); no clock when none is open"
        )
    if rule.anchor == "registered_at":
        origin = "the case's registration"
    elif rule.anchor.startswith("person."):
        origin = f"the party's `{rule.anchor.removeprefix('person.')}`"
    elif rule.anchor:
        origin = f"the payload field `{rule.anchor}`"
    else:
        origin = "the moment of the triggering event"
    return f"{_term(pack, rule.term)} from {origin}"


def _discharged(rule: DeadlineRule) -> str:
    text = _codes(sorted(rule.until))
    if rule.until & rule.on:
        text += (
            " (an act that starts the clock also discharges it: it records whether it came in time)"
        )
    return text


def _extended(rule: DeadlineRule) -> str:
    if not rule.extend:
        return ""
    return f"{_codes(sorted(rule.extend))} (to the `until` of the event)"


def _group(pack: Pack, group: str) -> str:
    if not group:
        return ""
    stages = [code for code, stage in pack.stages.items() if group in stage.pauses]
    chains = sorted(c for c, v in pack.chains.items() if any(group in x.pauses for x in v))
    text = f"`{group}`; paused at stages {_codes(stages) or 'none'}"
    return text + (f" and while chains {_codes(chains)} are open" if chains else "")


def _steps_using(pack: Pack, rule_id: str) -> str:
    steps = {
        f"`{chain_id}` step {number}"
        for chain_id, versions in pack.chains.items()
        for chain in versions
        for number, step in enumerate(chain.steps, 1)
        if rule_id in step.deadlines
    }
    return ", ".join(sorted(steps))


def _not_modelled(pack: Pack) -> list[str]:
    lines = ["## Catalogue rules not enforced", ""]
    lines += ["| id | reason |", "|---|---|"]
    for item in sorted(pack.not_modelled, key=lambda item: natural_key(item.id)):
        lines.append(f"| {item.id} | {_cell(item.reason)} |")
    enforced, listed, missing = coverage(pack)
    extra = sorted(set(pack.deadlines) - set(CATALOGUE), key=natural_key)
    summary = (
        f"Coverage: of the {len(CATALOGUE)} catalogue ids R01–R86, {len(enforced)} are enforced"
        f" by deadline rules and {len(listed)} are listed above"
    )
    summary += f"; missing: {', '.join(missing)}." if missing else "; none is missing."
    summary += f" Further rules: {', '.join(extra)}." if extra else ""
    return [*lines, "", summary]


def _notifications(pack: Pack) -> list[str]:
    lines = ["## Notification duties", ""]
    lines += [
        "The officials with these roles on the case are notified by the electronic case when the"
        " event is recorded; the term is by when the duty must be met when it falls on a person"
        " outside the system.",
        "",
        "| id | on | to | about | term | article | valid | applies when |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for note in sorted(pack.notifications, key=lambda note: natural_key(note.id)):
        term = _term(pack, note.term) if note.term else "—"
        cells = [
            note.id,
            f"`{note.on}`",
            _codes(note.to),
            _cell(note.about),
            term,
            _cell(note.article),
            _validity(pack, note.window),
            _when(pack, note.when) or "always",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# --- pieces -------------------------------------------------------------------------------------


def _heading(ident: str, title: str, number: int, count: int, uncertain: bool) -> str:
    """`### id: title`, or for each of several versions `### id, version n of m: title`; the
    [U] flag of the version ends the line."""
    version = f", version {number} of {count}" if count > 1 else ""
    flag = f" {UNCERTAIN}" if uncertain else ""
    return f"### {ident}{version}: {title}{flag}"


def _bullets(items: Iterable[tuple[str, str]]) -> list[str]:
    return [f"- {label}: {value}" for label, value in items if value]


def _validity(pack: Pack, window: Window) -> str:
    text = f"from {window.valid_from}{_law_ref(pack, window.valid_from, 'law')}"
    if window.valid_to is not None and window.valid_to < date.max:
        after = window.valid_to + timedelta(days=1)
        text += f" to {window.valid_to}{_law_ref(pack, after, 'before')}"
    return text


def _law_ref(pack: Pack, day: date, how: str) -> str:
    keys = sorted(key for key, law in pack.laws.items() if law.date == day)
    return f" ({', '.join(f'`{how}:{key}`' for key in keys)})" if keys else ""


def _term(pack: Pack, term: Term) -> str:
    if term.immediately:
        return f"`now` (immediately: {pack.immediately_hours} h)"
    return f"`{term.text}`"


def _when(pack: Pack, when: When) -> str:
    parts = [
        f"{name} {' or '.join(f'`{v}`' for v in _ordered(values, vocabulary))}"
        for name, values, vocabulary in (
            ("category", when.categories, pack.categories),
            ("form", when.forms, pack.forms),
            ("body", when.bodies, pack.bodies),
        )
        if values
    ]
    flags = (
        ("minor", when.minor),
        ("detained", when.detained),
        ("accelerated", when.accelerated),
        ("covert action ended", when.covert),
        ("convicted", when.convicted),
    )
    parts += [f"{name}: {'yes' if value else 'no'}" for name, value in flags if value is not None]
    if when.switch:
        parts.append(f"switch `{when.switch}` on")
    if when.switch_off:
        parts.append(f"switch `{when.switch_off}` off")
    parts += [f"`{k}` = `{json.dumps(when.payload[k])}`" for k in sorted(when.payload)]
    return "; ".join(parts)


def _payload(rule: ActRule) -> str:
    fields = [
        f"`{name}` {kind}" + ("" if required else " (optional)")
        for name, (kind, required) in rule.payload.items()
    ]
    return ", ".join(fields)


def _act_stages(pack: Pack, rule: ActRule) -> str:
    if rule.stages is None:
        return f"none: it opens the case (from `{pack.initial_stage()}`)"
    return _codes([code for code in pack.stages if code in rule.stages])


def _outcome(stage: str, effects: Sequence[str]) -> str:
    parts = [f"→ {stage}" if stage else "", f"effects {_codes(effects)}" if effects else ""]
    return "; ".join(p for p in parts if p)


def _ordered(values: Iterable[str], vocabulary: Iterable[str]) -> list[str]:
    """`values` in the order the pack declares its vocabulary."""
    chosen = set(values)
    return [code for code in vocabulary if code in chosen]


def _code(name: str) -> str:
    return f"`{name}`" if name else ""


def _codes(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def messages(pack: Pack) -> str:
    """A Python module listing every user-facing text of the pack (act labels, duties, stages,
    chains, notification subjects) as `gettext_noop` calls, so that `makemessages` puts them in
    the translation catalogues. Generated: tergeu/cases/pack_messages.py."""
    texts: set[str] = set()
    for versions in pack.acts.values():
        texts |= {rule.label for rule in versions}
    for deadline_versions in pack.deadlines.values():
        texts |= {rule.duty for rule in deadline_versions}
    for chain_versions in pack.chains.values():
        texts |= {chain.title for chain in chain_versions}
    texts |= {stage.title for stage in pack.stages.values()}
    texts |= {note.about for note in pack.notifications}
    for versions in pack.acts.values():
        for rule in versions:
            for type_, _required in rule.payload.values():
                texts |= {value.replace("_", " ") for value in choices(type_)}
    lines = [
        '"""The texts of the procedure pack, for the translation catalogues. Generated by',
        '`make rules` from tergeu/procedure/packs/kz; do not edit by hand."""',
        "",
        "from django.utils.translation import gettext_noop",
        "",
        "PACK_TEXTS = (",
        *(f"    gettext_noop({json.dumps(text, ensure_ascii=False)})," for text in sorted(texts)),
        ")",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the reference of the KZ pack, or write it to the path given as the first argument."""
    args = sys.argv[1:] if argv is None else list(argv)
    pack = load_pack()
    text = render(pack)
    if len(args) > 1:
        Path(args[1]).write_text(messages(pack), encoding="utf-8")
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

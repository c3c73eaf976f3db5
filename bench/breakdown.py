"""Where one registration's time goes: each step of `case_register` timed in place (wall clock
and CPU of this process), by wrapping the functions it calls for the duration of the
measurement — without a profiler's overhead, which would distort a few-millisecond call."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.db import connection

import bench.registration
import tergeu.journal.kinds
import tergeu.journal.services
import tergeu.registry.services
from tergeu.accounts.models import Agency, Official
from tergeu.cases.models import Case, Deadline
from tergeu.journal.models import Act

# (owner, attribute, step). Nested steps are inside "act_append"; a step whose function is gone
# (the services change) is skipped.
STEPS: list[tuple[Any, str, str]] = [
    (bench.registration, "case_register", "case_register (all)"),
    (tergeu.registry.services, "payload_validate", "  payload validation (before the number)"),
    (tergeu.registry.services, "register_number_next", "  register number upsert"),
    (tergeu.registry.services, "act_append", "  act_append (all)"),
    (tergeu.journal.services, "capacities", "    capacities (access gate)"),
    (tergeu.journal.services, "payload_validate", "    payload validation"),
    (tergeu.journal.services, "act_document", "    canonical bytes"),
    (Case, "save", "    INSERT case (in its final state)"),
    (Act, "save", "    INSERT act"),
    (tergeu.journal.services, "state_store", "    projection: INSERT assignment"),
    (Deadline.objects, "create", "  INSERT deadline"),
    (connection, "commit", "  COMMIT"),
]


@dataclass
class Step:
    name: str
    calls: int = 0
    wall: float = 0.0
    cpu: float = 0.0


def _wrap(original: Callable[..., Any], step: Step) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            step.calls += 1
            step.wall += time.perf_counter() - wall
            step.cpu += time.process_time() - cpu

    return timed


@contextmanager
def instrumented() -> Iterator[list[Step]]:
    steps: list[Step] = []
    restore: list[Callable[[], None]] = []
    for owner, attribute, name in STEPS:
        original = getattr(owner, attribute, None)
        if original is None:
            continue
        step = Step(name)
        steps.append(step)
        restore.append(_restorer(owner, attribute, original))
        setattr(owner, attribute, _wrap(original, step))
    try:
        yield steps
    finally:
        for undo in reversed(restore):
            undo()


def _restorer(owner: Any, attribute: str, original: Any) -> Callable[[], None]:
    if isinstance(owner, ModuleType) or (isinstance(owner, type) and attribute in vars(owner)):
        return lambda: setattr(owner, attribute, original)
    # An inherited method, or an instance (a manager, the connection): the wrapper shadows the
    # class's attribute, so removing it brings the original back.
    return lambda: delattr(owner, attribute)


def breakdown(unit: Agency, actor: Official, count: int) -> list[Step]:
    """Time `count` registrations step by step; per-registration figures are step / count."""
    for _ in range(10):
        bench.registration.service_register(unit, actor)
    with instrumented() as steps:
        for _ in range(count):
            bench.registration.service_register(unit, actor)
    return steps

"""Case detail server time: the API (`/api/v1/cases/{id}`, its journal) and the web case page,
requested in-process through Django's test client, so the figures are server time without
the network. Connections stay open between requests, as with persistent connections
(DB_CONN_MAX_AGE) in production."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.http import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from bench.stats import Timing, timing
from tergeu.accounts.models import Official
from tergeu.accounts.services import token_create
from tergeu.cases.models import Case

Get = Callable[[], HttpResponseBase]


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    timing: Timing | None  # None: not available (not routed)
    queries: int
    note: str = ""


def _checked(get: Callable[[str], HttpResponseBase], path: str) -> Get:
    def run() -> HttpResponseBase:
        response = get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        return response

    return run


def measure(get: Get, *, requests: int, warmup: int) -> Timing:
    for _ in range(warmup):
        get()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        get()
        samples.append(time.perf_counter() - started)
    return timing(samples)


def queries(get: Get) -> int:
    with CaptureQueriesContext(connection) as captured:
        get()
    return len(captured)


def routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def detail_bench(case: Case, official: Official, *, requests: int, warmup: int) -> list[Endpoint]:
    """Time the case's API detail, its journal (first page and 500 acts) and its web page."""
    token = token_create(official=official, label="benchmark")
    api = Client(headers={"Authorization": f"Bearer {token}"})
    web = Client()
    web.force_login(official)
    targets = [
        ("API case detail", f"/api/v1/cases/{case.pk}", api),
        ("API journal, first page (100 acts)", f"/api/v1/cases/{case.pk}/acts", api),
        ("API journal, 500 acts", f"/api/v1/cases/{case.pk}/acts?limit=500", api),
        ("web case page", f"/cases/{case.pk}/", web),
    ]
    results: list[Endpoint] = []
    for name, path, client in targets:
        if not routed(path.split("?")[0]):
            results.append(Endpoint(name, path, None, 0, "not routed yet"))
            continue
        get = _checked(client.get, path)
        results.append(
            Endpoint(name, path, measure(get, requests=requests, warmup=warmup), queries(get))
        )
    return results


def query_counts(cases: list[Case], official: Official) -> dict[str, list[int]]:
    """Queries per request of each endpoint for each case: the same whatever the journal's
    length."""
    token = token_create(official=official, label="benchmark")
    api = Client(headers={"Authorization": f"Bearer {token}"})
    web = Client()
    web.force_login(official)
    paths = {
        "API case detail": ("/api/v1/cases/{}", api),
        "API journal": ("/api/v1/cases/{}/acts", api),
        "web case page": ("/cases/{}/", web),
    }
    counts: dict[str, list[int]] = {}
    for name, (pattern, client) in paths.items():
        if not routed(pattern.format(cases[0].pk)):
            continue
        counts[name] = [queries(_checked(client.get, pattern.format(c.pk))) for c in cases]
    return counts

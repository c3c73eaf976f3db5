"""The load of every role at once, as the officials of the demo work (bench/load.py runs it):
reads of work queues, case lists, case pages and journals, the supervision list, registrations,
acts appended and procedural documents downloaded, over the API with bearer tokens. Each
request is named by its route, so its p95 and p99 are reported per kind."""

from __future__ import annotations

import json
import os
import random
import uuid
from typing import Any

from locust import HttpUser, between, task

TOKENS: dict[str, str] = json.loads(os.environ.get("TERGEU_LOAD_TOKENS", "{}"))
SCENE: dict[str, Any] = json.loads(os.environ.get("TERGEU_LOAD_SCENE", "{}"))


class Official(HttpUser):
    abstract = True
    role = ""
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKENS[self.role]}"

    def get(self, path: str, name: str) -> None:
        with self.client.get(f"/api/v1{path}", name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    def post(self, path: str, body: dict[str, Any], name: str) -> Any:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(
            f"/api/v1{path}", json=body, headers=headers, name=name, catch_response=True
        ) as response:
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()


class Investigator(Official):
    role = "investigator"
    weight = 5

    @task(4)
    def my_cases(self) -> None:
        self.get("/cases?limit=50", "GET /cases")

    @task(6)
    def case(self) -> None:
        case = random.choice(SCENE["investigator_cases"])
        self.get(f"/cases/{case}", "GET /cases/{id}")

    @task(4)
    def journal(self) -> None:
        case = random.choice(SCENE["investigator_cases"])
        self.get(f"/cases/{case}/acts", "GET /cases/{id}/acts")

    @task(2)
    def queue(self) -> None:
        self.get("/me/queue", "GET /me/queue")

    @task(2)
    def note(self) -> None:
        case = random.choice(SCENE["investigator_cases"])
        body = {"kind": "note", "payload": {"text": "a witness came forward"}}
        self.post(f"/cases/{case}/acts", body, "POST /cases/{id}/acts")

    @task(1)
    def document(self) -> None:
        case, seq = random.choice(SCENE["documents"])
        self.get(
            f"/cases/{case}/acts/{seq}/document?lang=ru", "GET /cases/{id}/acts/{seq}/document"
        )


class Registrar(Official):
    role = "registrar"
    weight = 2

    @task(2)
    def reports(self) -> None:
        self.get("/reports?limit=50", "GET /reports")

    @task(1)
    def register(self) -> None:
        report = {
            "agency_id": SCENE["registrar_agency"], "source": "media",
            "summary": "A bicycle taken from a yard", "event_place": "Abay ave 10",
        }  # fmt: skip
        received = self.post("/reports", report, "POST /reports")
        if received is None:
            return
        decision = {
            "decision": "register",
            "qualification": {"article": "188", "part": "1", "offence_category": "small"},
        }
        self.post(f"/reports/{received['id']}/decision", decision, "POST /reports/{id}/decision")


class Prosecutor(Official):
    role = "prosecutor"
    weight = 2

    @task(2)
    def supervision(self) -> None:
        self.get("/supervision", "GET /supervision")

    @task(3)
    def case(self) -> None:
        case = random.choice(SCENE["investigator_cases"])
        self.get(f"/cases/{case}", "GET /cases/{id}")

    @task(1)
    def queue(self) -> None:
        self.get("/me/queue", "GET /me/queue")


class InvestigatingJudge(Official):
    role = "investigating_judge"
    weight = 1

    @task
    def queue(self) -> None:
        self.get("/me/queue", "GET /me/queue")


class TrialJudge(Official):
    role = "trial_judge"
    weight = 1

    @task
    def cases(self) -> None:
        self.get("/cases?limit=50", "GET /cases")


class Lawyer(Official):
    role = "defence_lawyer"
    weight = 1

    @task
    def cases(self) -> None:
        self.get("/cases?limit=50", "GET /cases")


class Penitentiary(Official):
    role = "penitentiary_officer"
    weight = 1

    @task
    def cases(self) -> None:
        self.get("/cases?limit=50", "GET /cases")

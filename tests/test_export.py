"""A case's bundle, exported through the API and checked by the offline verifier: the
investigator's bundle (journal and covert compartment) verifies against the pinned log key;
an official not named on the compartment and the defence get bundles without a trace of it,
which verify too; a byte changed in a document or an act is named; whoever may not see the
case gets "not found"."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from tergeu_verify.verify import Trust, verify_bundle

from tergeu.integrity.signer import log_signer
from tests.conftest import VALID_IIN_2, ApiClient, World
from tests.test_covert import MARKER, TARGET, Covert, suspect_recognised
from tests.test_refusals import assert_error


@pytest.fixture
def covert(world: World) -> Covert:
    return Covert(world)


def export(client: ApiClient, case_id: int, **params: Any) -> bytes:
    answer = client.client.get(f"/api/v1/cases/{case_id}/export", params, headers=client.headers)
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Type"] == "application/zip"
    return bytes(answer.content)


def manifest(bundle: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        loaded: dict[str, Any] = json.loads(archive.read("manifest.json"))
        return loaded


def everything(bundle: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def pinned() -> Trust:
    return Trust(log_keys=[log_signer().public_key_der()])


def test_the_investigator_s_bundle_verifies_with_its_compartment(covert: Covert) -> None:
    assert covert.sanction(1).status_code == 201
    bundle = export(covert.client(covert.world.alice), covert.case.pk, lang="kk")
    report = verify_bundle(bundle, pinned())
    assert report.ok, [str(f) for f in report.problems]
    chains = {(a["chain"], a["seq"]) for a in manifest(bundle)["acts"]}
    assert ("compartment:1", 1) in chains
    assert ("compartment:1", 2) in chains
    assert manifest(bundle)["case"]["scope"] == "full"
    assert all(a["document"]["path"].endswith("-kk.pdf") for a in manifest(bundle)["acts"])


def test_a_changed_byte_of_a_document_or_an_act_is_named(covert: Covert) -> None:
    bundle = export(covert.client(covert.world.alice), covert.case.pk)
    entry = manifest(bundle)["acts"][0]
    for path in (entry["document"]["path"], entry["canonical"]):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(bundle)) as source, zipfile.ZipFile(out, "w") as target:
            for name in source.namelist():
                data = source.read(name)
                if name == path:
                    data = data[:-2] + bytes([data[-2] ^ 1]) + data[-1:]
                target.writestr(name, data)
        problems = [str(f) for f in verify_bundle(out.getvalue(), pinned()).problems]
        assert (
            f"FAIL {path}: its bytes differ from the SHA-256 in the manifest (changed)" in problems
        )


def test_others_bundles_hold_no_trace_of_the_compartment_and_verify(
    covert: Covert, world: World
) -> None:
    assert covert.sanction(1).status_code == 201
    case = covert.case
    suspect_recognised(world, case)
    lawyer = world.lawyer()
    notice = covert.client(lawyer).post(
        "/defence/notices", {"register_number": case.register_number, "client_iin": VALID_IIN_2}
    )
    assert notice.status_code == 201, notice.json()
    for who, scope in ((world.olga, "full"), (lawyer, "defence")):
        bundle = export(covert.client(who), case.pk, documents="false")
        report = verify_bundle(bundle, pinned())
        assert report.ok, (who.username, [str(f) for f in report.problems])
        assert manifest(bundle)["case"]["scope"] == scope
        assert {a["chain"] for a in manifest(bundle)["acts"]} == {"case"}
        content = everything(bundle)
        for trace in (MARKER.encode(), TARGET.encode(), b"covert", b"compartment:"):
            assert trace not in content, (who.username, trace)
    defence = manifest(export(covert.client(lawyer), case.pk, documents="false"))
    assert len(defence["acts"]) < case.last_seq  # only what was disclosed


def test_whoever_may_not_see_the_case_gets_not_found(covert: Covert, world: World) -> None:
    for who in (world.ivan, world.oscar, world.victor):
        answer = covert.client(who).get(f"/cases/{covert.case.pk}/export")
        assert_error(answer, 404, "case_not_found")


def test_an_export_costs_the_same_queries_however_many_acts(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import open_case

    alice = ApiClient(world.alice)
    counts = []
    for notes in (1, 12):
        case = open_case(world, notes=notes, summary=f"case with {notes} notes")
        export(alice, case.pk, documents="false")  # the log places its acts
        with CaptureQueriesContext(connection) as captured:
            export(alice, case.pk, documents="false")
        counts.append(len(captured))
    assert counts[0] == counts[1], counts

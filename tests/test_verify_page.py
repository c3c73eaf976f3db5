"""The page a document's QR code opens, /verify/<act hash>: anyone may open it; it shows that
the act is recorded and its proof against a signed tree head, and nothing of the case."""

from __future__ import annotations

import re

from django.test import Client
from tergeu_verify.merkle import leaf_hash, root_from_inclusion

from tergeu.documents.services import verify_url
from tergeu.integrity.services import head_sign
from tergeu.journal.models import Act
from tests.conftest import World, open_case
from tests.test_covert import MARKER, Covert


def page(path: str) -> tuple[int, str]:
    response = Client().get(path, headers={"Accept-Language": "en"})
    return response.status_code, response.content.decode()


def test_a_recorded_act_shows_its_proof_and_nothing_of_its_case(world: World) -> None:
    case = open_case(world, notes=1)
    act = Act.objects.get(case=case, seq=2)
    path = "/verify/" + act.hash
    assert verify_url(act).endswith(path)
    status, html = page(path)
    assert status == 200
    assert "being added to the integrity log" in html
    head = head_sign()
    status, html = page(path)
    assert status == 200
    root = re.search(r"Root \(SHA-256\)</dt><dd><code>([0-9a-f]{64})", html)
    assert root is not None
    assert root.group(1) == bytes(head.root).hex()
    index = int(re.search(r"leaf (\d+) of the tree of (\d+) leaves", html).group(1))  # type: ignore[union-attr]
    proof = [bytes.fromhex(h) for h in re.findall(r"<li><code>([0-9a-f]{64})</code></li>", html)]
    found = root_from_inclusion(index, head.size, leaf_hash(bytes.fromhex(act.hash)), proof)
    assert found == bytes(head.root)
    for secret in (case.register_number, act.kind, "note 0"):
        assert secret not in html


def test_a_covert_act_s_page_tells_nothing_more(world: World) -> None:
    covert = Covert(world)
    act = Act.objects.get(compartment__case=covert.case, seq=1)
    head_sign()
    status, html = page("/verify/" + act.hash)
    assert status == 200
    for secret in (covert.case.register_number, "covert", MARKER, "compartment"):
        assert secret not in html


def test_an_unknown_or_malformed_hash_is_not_found(world: World) -> None:
    assert page("/verify/" + "ab" * 32)[0] == 404
    assert page("/verify/not-a-hash")[0] == 404

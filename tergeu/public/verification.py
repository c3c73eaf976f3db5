"""The page a document's QR code opens: /verify/<the act's hash>. Anyone holding a document
can see that its act is recorded in tergeu's integrity log and check the proof offline; the
page says nothing of the case (not its number, not the kind of act), so a covert act's
document tells its holder no more than they hold."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from tergeu_verify.checkpoint import key_id

from tergeu.integrity.selectors import hash_standing
from tergeu.integrity.signer import log_signer, signer_key_id

HASH = re.compile(r"^[0-9a-f]{64}$")


@require_GET
def verify_hash(request: HttpRequest, act_hash: str) -> HttpResponse:
    act_hash = act_hash.lower()
    if not HASH.match(act_hash):
        return render(
            request, "public/verify.html", {"act_hash": act_hash, "malformed": True}, status=404
        )
    standing = hash_standing(act_hash)
    context = {"act_hash": act_hash, "standing": standing}
    if standing.proof is not None:
        head = standing.proof.head
        signer = log_signer()
        context |= {
            "path": [h.hex() for h in standing.proof.path],
            "root": bytes(head.root).hex(),
            "current_key": signer_key_id(signer) == head.key_id,
            "key_id": head.key_id or key_id(signer.public_key_der()),
        }
    return render(request, "public/verify.html", context, status=200 if standing.recorded else 404)

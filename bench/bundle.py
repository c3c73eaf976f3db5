"""Verification of a 1,000-act bundle by the offline verifier, against the sum of the bare
pyHanko validations of the same documents' signatures in the same run (target: ≤ 2×).

    .venv/bin/python bench/bundle.py                 # 1,000 acts
    .venv/bin/python bench/bundle.py --acts 200 --repeats 1

The bundle is built here, as the export builds it, without a database: 1,000 chained acts,
each with its procedural document made by tergeu's PDF builder (fonts, QR code, the act's hash
in the keywords) and signed by its author with a key of a CA made for the run; every fifth
document also carries a countersignature. The acts are leaves of an RFC 9162 tree whose signed
checkpoint the bundle carries. Building it takes a minute (the signing); only verification is
timed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0
NUMBER = "267575110000001"
IINS = ("900101300017", "850615400422")
COUNTERSIGNED_EVERY = 5


def _canonical(seq: int, prev: str) -> bytes:
    document = {
        "v": 1,
        "case": NUMBER,
        "seq": seq,
        "kind": "note",
        "payload": {"text": f"Протокол № {seq}: әғқңөұүһі"},
        "actor": 7,
        "actor_role": "investigator",
        "performed_at": "2026-11-29T10:00:00.000000Z",
        "recorded_at": "2026-11-29T10:00:00.000000Z",
        "prev_hash": prev,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def build(count: int) -> tuple[bytes, list[bytes], bytes, bytes]:
    """The bundle's ZIP, its documents, the CA certificate (PEM) and the log's public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509 import Name, NameAttribute
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from tergeu_verify import merkle
    from tergeu_verify.checkpoint import ED25519, Checkpoint, checkpoint_body

    from tergeu.documents.markup import parse
    from tergeu.documents.pdf import Sheet, pdf_build
    from tergeu.signing.devca import authority_make, certificate_issue, p12_make

    now = datetime.now(UTC)
    not_before, not_after = now - timedelta(days=1), now + timedelta(days=30)
    ca = authority_make("Bench CA", not_before=not_before, not_after=not_after)
    keys = []
    for iin in IINS:
        subject = Name(
            [
                NameAttribute(NameOID.COMMON_NAME, f"Official {iin}"),
                NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
            ]
        )
        key, certificate = certificate_issue(
            ca, subject, not_before=not_before, not_after=not_after
        )
        p12 = p12_make(key, certificate, [ca[1]], "bench")
        keys.append(signers.SimpleSigner.load_pkcs12_data(p12, [], passphrase=b"bench"))

    def signed(pdf: bytes, signer: Any, n: int) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=f"Signature{n}", subfilter=SigSeedSubFilter.PADES
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return bytes(signers.sign_pdf(writer, meta, signer=signer).getvalue())

    files: dict[str, bytes] = {}
    acts: list[dict[str, Any]] = []
    documents: list[bytes] = []
    leaves: list[bytes] = []
    prev = "0" * 64
    started = time.perf_counter()
    for seq in range(1, count + 1):
        body = _canonical(seq, prev)
        digest = hashlib.sha256(body).hexdigest()
        text = f"# Протокол № {seq}\n\nТергеу әрекеті: әғқңөұүһі. {'Мәтін. ' * 60}\n"
        sheet = Sheet(
            markup=parse(text),
            language="kk",
            title=f"Protocol {seq}",
            author="bench",
            subject=f"{NUMBER} #{seq} note",
            created=now,
            verify_url=f"https://tergeu.example/verify/{digest}",
            fingerprint=digest,
        )
        pdf = signed(pdf_build(sheet), keys[0], 1)
        signers_: list[dict[str, Any]] = [{"iin": IINS[0], "role": "author"}]
        if seq % COUNTERSIGNED_EVERY == 0:
            pdf = signed(pdf, keys[1], 2)
            signers_.append({"iin": IINS[1], "role": "decision"})
        canonical_path = f"acts/case/{seq:06d}.json"
        pdf_path = f"documents/case/{seq:06d}-kk.pdf"
        files[canonical_path], files[pdf_path] = body, pdf
        documents.append(pdf)
        acts.append(
            {
                "chain": "case",
                "seq": seq,
                "kind": "note",
                "hash": digest,
                "canonical": canonical_path,
                "leaf_index": len(leaves),
                "document": {
                    "path": pdf_path,
                    "sha256": hashlib.sha256(pdf).hexdigest(),
                    "signers": signers_,
                },
            }
        )
        leaves.append(bytes.fromhex(digest))
        prev = digest
        if seq % 100 == 0:
            print(f"  built {seq}/{count} signed documents ({time.perf_counter() - started:.0f} s)")
    reader = merkle.memory_reader(merkle.tree_levels([merkle.leaf_hash(x) for x in leaves]))
    for entry in acts:
        path = merkle.inclusion_proof(entry["leaf_index"], len(leaves), reader)
        entry["proof"] = [h.hex() for h in path]
    log_key = ed25519.Ed25519PrivateKey.generate()
    public = log_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    root = merkle.tree_root(len(leaves), reader)
    checkpoint = checkpoint_body(Checkpoint("tergeu", len(leaves), root, int(time.time() * 1000)))
    ca_pem = ca[1].public_bytes(serialization.Encoding.PEM)
    files |= {
        "log/checkpoint.txt": checkpoint,
        "log/checkpoint.sig": log_key.sign(checkpoint),
        "log/public_key.der": public,
        "certificates/root-1.pem": ca_pem,
    }
    manifest = {
        "format": "tergeu-bundle/1",
        "case": {"register_number": NUMBER, "scope": "full"},
        "language": "kk",
        "log": {
            "checkpoint": "log/checkpoint.txt",
            "signature": "log/checkpoint.sig",
            "public_key": "log/public_key.der",
            "algorithm": ED25519,
        },
        "acts": acts,
        "trust_roots": ["certificates/root-1.pem"],
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in files.items():
            archive.writestr(name, data)
    asyncio.set_event_loop(asyncio.new_event_loop())  # pyHanko's signing closed its loop
    return out.getvalue(), documents, ca_pem, public


def bare_validations(documents: list[bytes], ca_pem: bytes) -> float:
    """Seconds pyHanko alone takes to validate every signature of every document (one
    validation context per document, trusting the CA)."""
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = x509.Certificate.load(pem.unarmor(ca_pem)[2])
    started = time.perf_counter()
    for pdf in documents:
        context = ValidationContext(trust_roots=[root], allow_fetching=False)
        for signature in PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures:
            status = validate_pdf_signature(signature, context)
            assert status.bottom_line
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--acts", type=int, default=1000, help="acts in the bundle")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each (median)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("TERGEU_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tergeu.settings")
    import django

    django.setup()
    from tergeu_verify.verify import Trust, verify_bundle

    print(f"bundle: building {args.acts} acts with signed documents")
    bundle, documents, ca_pem, public = build(args.acts)
    signatures = args.acts + args.acts // COUNTERSIGNED_EVERY
    trust = Trust(roots=[ca_pem], log_keys=[public])
    bare_runs, verify_runs = [], []
    for _ in range(args.repeats):
        bare_runs.append(bare_validations(documents, ca_pem))
        started = time.perf_counter()
        report = verify_bundle(bundle, trust)
        verify_runs.append(time.perf_counter() - started)
        if not report.ok:
            print("the bundle does not verify:", *report.problems[:5], sep="\n  ")
            return 1
    bare, verify = median(bare_runs), median(verify_runs)
    ratio = verify / bare
    verdict = "OK" if ratio <= TARGET_RATIO else f"MISSES ≤ {TARGET_RATIO}×"
    size = len(bundle) / 2**20
    print(
        f"bundle: {args.acts} acts, {signatures} signatures, {size:.1f} MiB, median of {args.repeats}"
    )
    print(f"  sum of bare pyHanko signature validations: {bare:.2f} s")
    print(f"  tergeu-verify of the whole bundle:         {verify:.2f} s")
    print(f"  ratio verification / bare validations: {ratio:.2f}  [{verdict}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())

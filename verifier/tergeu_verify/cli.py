"""tergeu-verify BUNDLE [--trust CA.pem ...] [--log-key KEY.der ...] [--verbose]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tergeu_verify.verify import Trust, Unreadable, summary, verify_bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tergeu-verify", description="Verify a tergeu case-file bundle offline."
    )
    parser.add_argument("bundle", type=Path, help="the bundle (ZIP) exported by tergeu")
    parser.add_argument(
        "--trust", type=Path, action="append", default=[], help="a trusted CA certificate"
    )
    parser.add_argument(
        "--log-key",
        type=Path,
        action="append",
        default=[],
        help="the integrity log's public key (SubjectPublicKeyInfo, DER)",
    )
    parser.add_argument("--verbose", action="store_true", help="list the checks that passed too")
    args = parser.parse_args(argv)
    trust = Trust(
        roots=[path.read_bytes() for path in args.trust],
        log_keys=[path.read_bytes() for path in args.log_key],
    )
    try:
        report = verify_bundle(args.bundle.read_bytes(), trust)
    except (OSError, Unreadable) as exc:
        print(f"cannot read {args.bundle}: {exc}", file=sys.stderr)
        return 2
    for line in summary(report, verbose=args.verbose):
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Audit the locked dependencies (uv.lock) for known vulnerabilities with pip-audit. Fails on any
# vulnerability found. A dependency the vulnerability service cannot be asked about (no network
# to it) is listed as not audited; with AUDIT_STRICT=1 that fails too.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=$(mktemp)
report=$(mktemp)
trap 'rm -f "$requirements" "$report"' EXIT
.tools/uv/bin/uv export --frozen --no-hashes --no-emit-project --no-emit-workspace \
  --format requirements-txt --quiet > "$requirements"
status=0
.tools/uv/bin/uv tool run --quiet --from "pip-audit==2.10.1" pip-audit --no-deps --disable-pip \
  --progress-spinner off --format json --output "$report" -r "$requirements" 2>/dev/null || status=$?
.venv/bin/python - "$report" "$status" <<'PY'
import json
import os
import sys

path, status = sys.argv[1], int(sys.argv[2])
try:
    with open(path) as f:
        report = json.load(f)
except (OSError, ValueError):
    print(f"pip-audit did not run (exit {status})")
    sys.exit(1)
deps = report.get("dependencies", [])
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if d.get("skip_reason")]
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
audited = len(deps) - len(skipped)
print(f"pip-audit: {audited} of {len(deps)} locked dependencies audited, {len(vulnerable)} vulnerable")
if skipped:
    print(f"NOT AUDITED ({len(skipped)}): {skipped[0]['skip_reason']} …")
if vulnerable or (skipped and os.environ.get("AUDIT_STRICT") == "1"):
    sys.exit(1)
PY

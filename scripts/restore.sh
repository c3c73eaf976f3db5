#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY PostgreSQL database and an empty
# document store, then prove it: the log rebuilt from the restored acts must match the signed
# tree head kept with the backup, every access-log chain must reach the signed head kept with
# it, and `manage.py verify` (journals, integrity log, access log, stored documents) must pass.
# Exits non-zero on any failure. docs/reliability.md.
#
#   scripts/restore.sh /backups/tergeu-2026-11-29 postgres://…/tergeu_restored /srv/tergeu-files
set -euo pipefail
cd "$(dirname "$0")/.."
in=${1:?usage: scripts/restore.sh BACKUP_DIR TARGET_DATABASE_URL MEDIA_DIR}
target=${2:?usage: scripts/restore.sh BACKUP_DIR TARGET_DATABASE_URL MEDIA_DIR}
media=${3:?usage: scripts/restore.sh BACKUP_DIR TARGET_DATABASE_URL MEDIA_DIR}

(cd "$in" && sha256sum --check --quiet SHA256SUMS)
pg_restore --no-owner --exit-on-error --dbname="$target" "$in/database.dump"
mkdir -p "$media"
tar -C "$media" -xf "$in/media.tar"
export DATABASE_URL="$target" MEDIA_ROOT="$media"
.venv/bin/python manage.py verify_log --checkpoint "$in"
.venv/bin/python manage.py verify_access_log --checkpoint "$in"
.venv/bin/python manage.py verify
echo "restored from $in and verified"

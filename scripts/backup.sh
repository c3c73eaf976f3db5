#!/usr/bin/env bash
# Back up tergeu into a folder: the latest signed tree head (checkpoint.txt, checkpoint.sig)
# and the access log's signed chain heads (access-heads.txt, access-heads.sig), the PostgreSQL
# database (pg_dump, custom format) and the document store (MEDIA_ROOT, as a tar), with their
# SHA-256 sums. The checkpoint is taken first, so the dump holds every act and access-log entry
# it covers; the store is copied after the dump, so it holds every file the dump names.
# docs/reliability.md "Backup and restore".
#
#   DATABASE_URL=postgres://… scripts/backup.sh /backups/tergeu-$(date +%F)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/backup.sh OUT_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
mkdir -p "$out"
manage() { .venv/bin/python manage.py "$@"; }

manage log_checkpoint "$out"
pg_dump --format=custom --no-owner --file="$out/database.dump" "$DATABASE_URL"
media=$(manage shell --no-imports -c 'from django.conf import settings; print(settings.MEDIA_ROOT)')
mkdir -p "$media"
tar -C "$media" -cf "$out/media.tar" .
(cd "$out" && sha256sum checkpoint.txt checkpoint.sig access-heads.txt access-heads.sig \
  database.dump media.tar > SHA256SUMS)
echo "backed up to $out"

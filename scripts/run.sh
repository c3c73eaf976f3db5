#!/usr/bin/env bash
# Set up and run tergeu locally on an embedded SQLite database under var/, with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
export TERGEU_DEV=1
mkdir -p var
py=.venv/bin/python
echo "==> migrating the database (var/tergeu.sqlite3)"
$py manage.py migrate --no-input -v0
$py manage.py collectstatic --no-input -v0
$py manage.py demo_load
# The demo's acts into the integrity log, under a signed tree head (the worker's job on a server).
$py manage.py integrity_integrate
host="${HOST:-127.0.0.1}" port="${PORT:-8000}"
echo
echo "tergeu is running: open http://$host:$port/   (API docs: http://$host:$port/api/v1/docs)"
echo
exec $py manage.py runserver "$host:$port" --noreload

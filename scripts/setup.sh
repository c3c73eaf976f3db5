#!/usr/bin/env bash
# Prepare a machine for tergeu: system packages, the locked Python environment, translations.
#   scripts/setup.sh run    what `make run` needs
#   scripts/setup.sh test   what `make test` needs (adds Debian's chromium for browser tests)
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"
export UV_PYTHON_DOWNLOADS=never

need_apt=()
command -v msgfmt >/dev/null || need_apt+=(gettext)
if [ "$purpose" = test ]; then
  command -v chromium >/dev/null || need_apt+=(chromium)
fi
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "==> installing system packages: ${need_apt[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

python3 - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"tergeu needs Python >= 3.11, this is {sys.version.split()[0]}")
PY

UV_VERSION=0.13.9
if [ ! -x .tools/uv/bin/uv ] || [ "$(.tools/uv/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  echo "==> installing uv $UV_VERSION into .tools/"
  python3 -m venv .tools/uv
  .tools/uv/bin/pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi
echo "==> syncing the Python environment from uv.lock"
.tools/uv/bin/uv sync --frozen --quiet --python python3

# Static files are collected here by `make run`; whitenoise expects the folder to exist.
mkdir -p var/static

# Compile translations when a catalogue is newer than its compiled form.
for po in tergeu/locale/*/LC_MESSAGES/django.po; do
  [ -e "$po" ] || continue
  mo="${po%.po}.mo"
  if [ ! -e "$mo" ] || [ "$po" -nt "$mo" ]; then
    msgfmt --check -o "$mo" "$po"
  fi
done

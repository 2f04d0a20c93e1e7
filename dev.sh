#!/usr/bin/env bash
# Tongban developer entry point. Two commands matter:
#   ./dev.sh run    install everything, prepare SQLite with demo data, start the worker, serve
#   ./dev.sh test   install test tools and run the whole suite (lint included)
# Others: ./dev.sh manage <args> | lint | openapi | bench
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1

say() { printf '\033[1m[dev.sh]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[dev.sh] %s\033[0m\n' "$*" >&2; exit 1; }

# --- Python >= 3.12 (Django 6 needs it) ----------------------------------------------------------
python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local candidates=(python3.12 python3.13 python3.14 python3)
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  local c
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then command -v "$c"; return 0; fi
  done
  # pyenv shims refuse versions that are installed but not selected: use them directly.
  for c in "$root"/versions/3.12*/bin/python3 "$root"/versions/3.13*/bin/python3 \
           /usr/local/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.13 /usr/bin/python3.13; do
    if [ -x "$c" ] && python_ok "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

# --- Debian packages, installed when we are root, named clearly otherwise ---------------------------
APT_UPDATED=0
need_debs() {  # need_debs <why> <command-or-path>=<package> ...
  local why=$1; shift
  local missing=() item probe pkg
  for item in "$@"; do
    probe=${item%%=*}; pkg=${item#*=}
    if [[ $probe == /* ]]; then [ -e "$probe" ] || missing+=("$pkg")
    else command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg"); fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Debian packages for $why: ${missing[*]}"
    if [ $APT_UPDATED = 0 ]; then apt-get update -qq >/dev/null; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "Missing system packages for $why: ${missing[*]}. Install them, e.g. 'sudo apt-get install ${missing[*]}'."
  fi
}

# --- The virtual environment, reinstalled only when a requirements file changes ----------------------
ensure_venv() {  # ensure_venv base|test
  local profile=$1 req="$ROOT/requirements/$1.txt" stamp
  if [ ! -x "$PY" ] || ! python_ok "$PY"; then
    local python
    python=$(find_python) || die "Python 3.12 or newer is required (Django 6). Install python3.12 (e.g. 'pyenv install 3.12') and run again."
    say "Creating .venv with $python ($("$python" --version 2>&1))"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    "$PY" -m pip install -q --upgrade pip >/dev/null
  fi
  stamp="$VENV/.installed-$profile"
  local want
  want=$(cat "$ROOT"/requirements/*.txt "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "Installing Python packages ($profile)…"
    "$PY" -m pip install -q --disable-pip-version-check -r "$req"
    "$PY" -m pip install -q --disable-pip-version-check --no-deps -e "$ROOT" >/dev/null
    echo "$want" > "$stamp"
  fi
}

# --- Development secrets: generated once, kept in var/, never committed ------------------------------
dev_env() {
  mkdir -p "$ROOT/var" "${TONGBAN_VAR_DIR:-$ROOT/var}"
  local f="$ROOT/var/dev-secrets.env"
  if [ ! -f "$f" ]; then
    say "Generating development secrets in var/dev-secrets.env"
    "$PY" - "$f" <<'PYEOF'
import base64, os, secrets, sys
with open(sys.argv[1], "w") as fh:
    fh.write(f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\n")
    fh.write(f"TONGBAN_DATA_KEYS=dev1:{base64.b64encode(os.urandom(16)).decode()}\n")
    fh.write(f"TONGBAN_BLIND_INDEX_KEY={base64.b64encode(os.urandom(32)).decode()}\n")
PYEOF
    chmod 600 "$f"
  fi
  set -a; . "$f"; set +a
  # OpenID Connect signing keys (RSA for RS256, EC P-256 for ES256), generated once for development.
  local k
  for k in rsa ec; do
    if [ ! -f "$ROOT/var/oidc-$k.pem" ]; then
      "$PY" - "$k" "$ROOT/var/oidc-$k.pem" <<'PYEOF'
import os, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
kind, path = sys.argv[1], sys.argv[2]
key = rsa.generate_private_key(public_exponent=65537, key_size=3072) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, pem); os.close(fd)
PYEOF
    fi
  done
  TONGBAN_OIDC_RSA_PRIVATE_KEY="$(cat "$ROOT/var/oidc-rsa.pem")"
  TONGBAN_OIDC_EC_PRIVATE_KEY="$(cat "$ROOT/var/oidc-ec.pem")"
  export TONGBAN_OIDC_RSA_PRIVATE_KEY TONGBAN_OIDC_EC_PRIVATE_KEY
  export TONGBAN_DEBUG="${TONGBAN_DEBUG:-1}"
  export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-tongban.config.settings.base}"
}

manage() { "$PY" "$ROOT/manage.py" "$@"; }

compile_messages() {
  need_debs "translations" msgfmt=gettext
  (cd "$ROOT/src/tongban" && "$PY" "$ROOT/manage.py" compilemessages -v 0)
}

pdf_debs() {  # WeasyPrint needs Pango, and a CJK font or Chinese prints as boxes
  need_debs "PDF rendering" /usr/share/doc/libpango-1.0-0/copyright=libpango-1.0-0 \
    /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc=fonts-wqy-zenhei
}

cmd_run() {
  ensure_venv base
  pdf_debs
  dev_env
  compile_messages
  local port="${PORT:-8000}"
  say "Preparing the database (${DATABASE_URL:-SQLite in var/tongban.sqlite3, WAL mode})"
  manage migrate --noinput -v 0
  manage demo load
  manage workdays check || say "Enter the missing holiday arrangement (admin: 节假日安排年度, or manage workdays year load FILE)."
  say "Starting the background task worker"
  manage db_worker --interval 1 >"$ROOT/var/worker.log" 2>&1 &
  local worker=$!
  manage runserver "127.0.0.1:$port" --noreload >"$ROOT/var/server.log" 2>&1 &
  local server=$!
  trap 'kill $worker $server 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
  local i
  for i in $(seq 1 60); do
    if "$PY" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=2)" 2>/dev/null; then break; fi
    kill -0 $server 2>/dev/null || { cat "$ROOT/var/server.log" >&2; die "The web server stopped (log above)."; }
    sleep 0.5
  done
  manage demo accounts
  cat <<EOT

  门户 Portal         http://127.0.0.1:$port/
  工作台 Workbench    http://127.0.0.1:$port/workbench/
  API 文档 API docs   http://127.0.0.1:$port/api/v1/docs   (OpenAPI: /api/openapi.json)
  管理后台 Admin      http://127.0.0.1:$port/admin/
  健康检查 Health     http://127.0.0.1:$port/healthz

  Logs: var/server.log, var/worker.log. Press Ctrl+C to stop.
EOT
  tail -n 0 -f "$ROOT/var/server.log" &
  wait $server
}

cmd_test() {
  ensure_venv test
  need_debs "browser tests" /usr/bin/chromium=chromium
  need_debs "translations" msgfmt=gettext
  pdf_debs
  export DJANGO_SETTINGS_MODULE=tongban.config.settings.test
  (cd "$ROOT/src/tongban" && "$PY" "$ROOT/manage.py" compilemessages -v 0)
  say "Lint: ruff"
  "$VENV/bin/ruff" check --quiet "$ROOT"
  say "Lint: import-linter (dependency levels)"
  "$VENV/bin/lint-imports" --no-cache >/dev/null || "$VENV/bin/lint-imports" --no-cache
  say "Lint: migrations are up to date"
  # The check opens the default database; on a clean checkout SQLite's folder does not exist yet.
  mkdir -p "${TONGBAN_VAR_DIR:-$ROOT/var}"
  manage makemigrations --check --dry-run -v 0 || die "Model changes without a migration: run ./dev.sh manage makemigrations"
  say "Tests on ${DATABASE_URL:-SQLite}"
  local rc=0
  "$VENV/bin/pytest" -n "${TEST_WORKERS:-auto}" "$@" || rc=$?
  if [ $rc = 5 ]; then die "No test was executed."; fi
  return $rc
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  manage) shift; ensure_venv base; dev_env; manage "$@" ;;
  lint) ensure_venv test; "$VENV/bin/ruff" check "$ROOT"; "$VENV/bin/lint-imports" ;;
  openapi) shift; ensure_venv base; dev_env; manage openapi "$@" ;;
  bench) shift; ensure_venv test; dev_env; "$PY" "$ROOT/bench/${1:-http_baseline}.py" "${@:2}" ;;
  *) echo "usage: ./dev.sh run | test [pytest args] | manage <command> | lint | openapi | bench [name]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The two commands of callhive, each installing what it needs into ./.venv first:
#   ./run.sh demo [--duration SECONDS]   engine + pbxsim + embedded PostgreSQL + wallboard
#   ./run.sh test                        lint, type check and the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
  for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "run.sh: callhive needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  exit 1
}

ensure_venv() {  # $1: "runtime" or "dev"
  local extra="" stamp
  [ "$1" = dev ] && extra="[dev]"
  if [ ! -x .venv/bin/python ]; then
    local python; python=$(find_python)
    if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
      # Debian and Ubuntu ship venv's pip bootstrap as a separate package.
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        local version; version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        echo "run.sh: installing python${version}-venv with apt-get" >&2
        apt-get update -qq && apt-get install -y -qq "python${version}-venv" >/dev/null
      else
        echo "run.sh: Python's venv module is missing: sudo apt-get install python3-venv" >&2
        exit 1
      fi
    fi
    "$python" -m venv .venv
  fi
  # Reinstall only when the dependency list changed since the last install of this flavour.
  stamp=".venv/.installed-$1-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "run.sh: installing callhive${extra} into .venv" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extra}"
    rm -f .venv/.installed-"$1"-*
    touch "$stamp"
  fi
}

case "${1:-}" in
  demo)
    shift
    ensure_venv runtime
    exec .venv/bin/callhive demo "$@"
    ;;
  test)
    shift
    ensure_venv dev
    echo "== ruff" && .venv/bin/ruff check .
    echo "== mypy --strict" && .venv/bin/mypy
    echo "== pytest" && exec .venv/bin/pytest "$@"
    ;;
  *)
    echo "usage: ./run.sh demo [--duration SECONDS] | ./run.sh test [pytest args]" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs, then pytest.
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust) and Redis at 127.0.0.1:6379.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
exec python -m pytest -n "${HUB_TEST_WORKERS:-4}" "$@"

# Sourced by ./test.sh and ./demo.sh: a virtualenv with hub and its test tools, Chromium, and
# PostgreSQL's client programs (pg_dump, pg_restore).
if ! command -v chromium >/dev/null 2>&1 && [ "${HUB_SKIP_APT:-}" != "1" ]; then
  echo "Installing Debian's chromium for the browser tests (apt)..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# pg_dump and pg_restore for `hub backup` and `hub restore` on PostgreSQL (and their tests).
if ! command -v pg_dump >/dev/null 2>&1 && [ "${HUB_SKIP_APT:-}" != "1" ]; then
  echo "Installing Debian's postgresql-client for hub backup/restore (apt)..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-client >/dev/null
fi
# The deployment test (tests/e2e/test_deploy.py) puts Debian's Caddy in front of hub.
if ! command -v caddy >/dev/null 2>&1 && [ "${HUB_SKIP_APT:-}" != "1" ]; then
  echo "Installing Debian's caddy for the deployment test (apt)..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq caddy >/dev/null
  # The package starts a caddy.service on port 80; the test runs its own.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now caddy >/dev/null 2>&1 || true; fi
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  python -m pip install -q --upgrade pip
  python -m pip install -q -e ".[test,dev]"
  touch "$stamp"
fi
# The single sign-on tests run a real OpenID provider (tests/oidc: oidc-provider under Node.js).
oidc_stamp="tests/oidc/node_modules/.installed-$(sha256sum tests/oidc/package-lock.json | cut -c1-16)"
if [ ! -f "$oidc_stamp" ]; then
  if command -v npm >/dev/null 2>&1; then
    npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
    touch "$oidc_stamp"
  elif [ "${CI:-}" = "true" ]; then
    echo "npm is missing: the single sign-on tests need Node.js (>= 20.19) with npm" >&2
    exit 1
  else
    echo "npm is missing: the single sign-on tests will be skipped (install Node.js >= 20.19)" >&2
  fi
fi

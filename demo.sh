#!/usr/bin/env bash
# Starts the demo on a fresh machine: installs hub into .venv, then `hub demo`
# (web app, worker, beat and the network sandbox). Extra arguments go to `hub demo`.
set -euo pipefail
cd "$(dirname "$0")"
HUB_SKIP_APT=1 source scripts/setup.sh
exec hub demo "$@"

#!/usr/bin/env bash
# The README's test command: installs what is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
exec node --import tsx scripts/run-tests.ts "$@"

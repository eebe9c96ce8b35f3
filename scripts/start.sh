#!/usr/bin/env bash
# The README's set-up command: installs what is missing (Debian packages,
# npm packages), then brings up the lab: `minik up` with any flags given
# (`npm start -- --nodes 2 --name demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
exec node bin/minik.js up "$@"

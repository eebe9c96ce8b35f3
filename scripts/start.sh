#!/usr/bin/env bash
# The README's set-up command: installs what is missing (Debian packages,
# npm packages), then brings up the lab: `minik up` with any flags given
# (`npm start -- --nodes 2 --name demo`). It also writes the launcher
# /usr/local/bin/minik so `minik` works in any shell (`minik uninstall` undoes it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
# `minik` on PATH for every new shell (/usr/local/bin/minik; `minik uninstall` removes it).
node bin/minik.js link || echo "minik: could not put minik on PATH; use: node $(pwd)/bin/minik.js" >&2
exec node bin/minik.js up "$@"

#!/usr/bin/env bash
# A stand-in for the minik executable, so e2e/vagrant.test.ts can run
# vagrant/provision.sh's whole flow without the real binary: it records its
# argv, answers --version, accepts install-service, listens where the
# apiserver would, and idles as the agent.
set -euo pipefail

printf '%s\n' "$*" >>"${MINIK_STANDIN_LOG:?MINIK_STANDIN_LOG is required}"
case ${1:-} in
  --version) echo 'minik standin-0.0.0' ;;
  install-service) ;;
  apiserver)
    listen=
    while (($#)); do
      [[ $1 == --listen ]] && listen=$2
      shift
    done
    exec socat "TCP-LISTEN:${listen##*:},bind=${listen%:*},reuseaddr,fork" EXEC:/bin/true
    ;;
  agent) exec sleep 600 ;;
  *) echo "standin-minik: unknown command ${1:-}" >&2; exit 2 ;;
esac

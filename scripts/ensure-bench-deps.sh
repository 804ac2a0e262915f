#!/usr/bin/env bash
# Installs the Debian packages only the benchmarks need, only when the tool is missing (make bench-…
# calls it through make bench-deps; make test does not).
set -euo pipefail
need=()
# make bench-soap's load generator: a C client leaves the cores to the server (bench/soap.wrk.ts).
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

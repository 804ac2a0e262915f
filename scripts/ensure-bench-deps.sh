#!/usr/bin/env bash
# Installs the Debian packages only the benchmarks need, only when the tool is missing (make bench-…
# calls it through make bench-deps; make test does not).
set -euo pipefail
need=()
# make bench-soap's load generator: a C client leaves the cores to the server (bench/soap.wrk.ts).
command -v wrk >/dev/null || need+=(wrk)
"$(dirname "$0")/install-debian-packages.sh" "${need[@]}"

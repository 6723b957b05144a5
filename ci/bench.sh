#!/usr/bin/env bash
# Builds and runs every benchmark (tests/bench/*_bench.cpp -> build/bench/). Figures go in README.
# Usage: ci/bench.sh [NAME-FILTER]   e.g. ci/bench.sh golden
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh >/dev/null
for b in build/bench/*_bench; do
    [[ -n "${1:-}" && "$b" != *"$1"* ]] && continue
    echo "== $b"
    "$b"
done

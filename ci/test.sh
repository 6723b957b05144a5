#!/usr/bin/env bash
# The README's test command: installs, builds, then runs every CTest label.
# Extra arguments go to ctest (e.g. ci/test.sh -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh
ci/format.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"

#!/usr/bin/env bash
# The README's test command: installs, builds, then runs every CTest label, and the fuzz label of
# the clang fuzz build. Extra arguments go to ctest (e.g. ci/test.sh -L unit; then no fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh
ci/format.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
# The readers' libFuzzer targets: a clang build of their libraries only (the fuzz preset), each
# target run FLEXLLM_FUZZ_SECONDS (10) on its corpus. Longer campaigns: ci/fuzz.sh.
if [ $# -eq 0 ]; then
    start=$(date +%s)
    [ -f build-fuzz/build.ninja ] || cmake --preset fuzz >/dev/null
    cmake --build build-fuzz -j "$(nproc)"
    echo "ci/test.sh: fuzz build took $(( $(date +%s) - start )) s"
    ctest --test-dir build-fuzz --output-on-failure -j "$(nproc)" -L fuzz
fi

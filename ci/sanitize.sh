#!/usr/bin/env bash
# Runs the unit and csim labels under AddressSanitizer and UndefinedBehaviorSanitizer: the sanitize
# preset (build-sanitize/, RelWithDebInfo, -fsanitize=address,undefined, undefined behaviour
# aborts), building only what those labels need. Not part of ci/test.sh: a second full build does
# not fit its 30-minute budget on 2 cores. Extra arguments go to ctest (e.g. -R Golden).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh
start=$(date +%s)
[ -f build-sanitize/build.ninja ] || cmake --preset sanitize >/dev/null
cmake --build build-sanitize -j "$(nproc)" --target unit_tests csim_tests flexllm
echo "ci/sanitize.sh: build took $(( $(date +%s) - start )) s"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
ctest --test-dir build-sanitize --output-on-failure -j "$(nproc)" -L 'unit|csim' "$@"

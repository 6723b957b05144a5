#!/usr/bin/env bash
# Fuzzes the readers of untrusted input: configures build-fuzz/ (clang, -DFLEXLLM_FUZZ=ON: the
# libFuzzer targets of tests/fuzz and their libraries only, no Verilated models), builds it and runs
# every target for SECONDS (default 300) on a scratch copy of its checked-in corpus.
#   ci/fuzz.sh [SECONDS] [TARGET...]     e.g. ci/fuzz.sh 60 gv safetensors
# A crash, sanitizer report, leak, timeout or OOM input is kept in
# build-fuzz/fuzz/work/<target>/artifacts/ (minimize it: build-fuzz/fuzz/<target>_fuzz
# -minimize_crash=1 -runs=10000 <input>, then check it in as tests/fuzz/corpus/<target>/regress-*).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
jobs=${FLEXLLM_FUZZ_JOBS:-$(nproc)}  # build jobs
CXX=${CXX:-clang++-14}
command -v "$CXX" >/dev/null || CXX=clang++
start=$(date +%s)
[ -f build-fuzz/build.ninja ] ||
    cmake -S . -B build-fuzz -G Ninja -DFLEXLLM_FUZZ=ON -DCMAKE_CXX_COMPILER="$CXX" >/dev/null
cmake --build build-fuzz -j "$jobs"
echo "ci/fuzz.sh: build took $(( $(date +%s) - start )) s"

targets=("$@")
if ((${#targets[@]} == 0)); then
    for f in tests/fuzz/*_fuzz.cpp; do
        t=$(basename "$f" _fuzz.cpp)
        targets+=("$t")
    done
fi
mkdir -p build-fuzz/fuzz/work
failed=()
for t in "${targets[@]}"; do
    echo "ci/fuzz.sh: $t for ${seconds} s"
    if ! cmake -DEXE="build-fuzz/fuzz/${t}_fuzz" -DCORPUS="tests/fuzz/corpus/$t" \
            -DWORK="build-fuzz/fuzz/work/$t" -DSECONDS="$seconds" -DDICT="tests/fuzz/$t.dict" \
            -P tests/fuzz/run_fuzz.cmake >"build-fuzz/fuzz/work/$t.log" 2>&1; then
        failed+=("$t")
        tail -n 40 "build-fuzz/fuzz/work/$t.log" >&2
    fi
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+.*DONE' \
        "build-fuzz/fuzz/work/$t.log" | sed "s/^/  $t: /" || true
done
if ((${#failed[@]})); then
    echo "ci/fuzz.sh: findings in ${failed[*]}; inputs in build-fuzz/fuzz/work/<target>/artifacts" >&2
    exit 1
fi
echo "ci/fuzz.sh: ${#targets[@]} targets, ${seconds} s each, no findings"

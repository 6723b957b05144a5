#!/usr/bin/env bash
# The README's main job: installs, builds, runs the golden flow on the embedded tiny model (accuracy
# report, out/tiny.gv), then the default co-verification regression (golden vs C-sim vs Verilated
# RTL, bit-exact, cycles vs the perf model) with JUnit/JSON reports in out/.
# Extra arguments go to `flexllm regress` (e.g. --filter 'tiny_b/*' --stall-prob 0.5).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh
mkdir -p out
build/flexllm golden --model tiny --weights synthetic:1 --prompt-len 16 --gen-len 8 --out out/tiny.gv
echo
exec build/flexllm regress --junit out/regress.xml --json out/regress.json --waves-dir out/waves "$@"

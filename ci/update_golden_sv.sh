#!/usr/bin/env bash
# Rewrites the golden files of the generated SV (tests/lint/golden_sv/) from the current generator,
# after an intended change to it; review `git diff tests/lint/golden_sv` and commit them alone.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build --target lint_tests -j "$(nproc)"
FLEXLLM_UPDATE_GOLDEN_SV=1 build/tests/lint_tests --gtest_filter='GoldenSv.*'
git status --short tests/lint/golden_sv

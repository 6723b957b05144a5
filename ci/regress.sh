#!/usr/bin/env bash
# The README's main job: installs, builds, then runs the default regression on the embedded tiny
# model. Extra arguments go to the flexllm command.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh
mkdir -p out
exec build/flexllm golden --model tiny --weights synthetic:1 --prompt-len 16 --gen-len 8 \
    --out out/tiny.gv "$@"

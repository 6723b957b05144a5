#!/usr/bin/env bash
# Installs missing dependencies, configures (Ninja, ccache) and builds into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh
start=$(date +%s)
[ -f build/build.ninja ] || cmake --preset default >/dev/null
cmake --build build -j "$(nproc)"
echo "ci/build.sh: build took $(( $(date +%s) - start )) s"

#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those missing (runs as root in CI).
set -euo pipefail
pkgs=(cmake ninja-build ccache g++ pkg-config clang-format git
      libgtest-dev libgmock-dev googletest libbenchmark-dev
      libfmt-dev zlib1g-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
      verilator yosys gtkwave xvfb xauth clang-14 libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "ci/deps.sh: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

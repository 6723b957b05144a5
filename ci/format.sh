#!/usr/bin/env bash
# Checks that every tracked C++ source matches .clang-format (ci/test.sh runs it); --fix rewrites.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = "--fix" ]; then
    clang-format -i "${files[@]}"
    exit 0
fi
if ! clang-format --dry-run -Werror "${files[@]}" 2>/tmp/flexllm_format.$$; then
    grep -E '^[^ ].*: error' /tmp/flexllm_format.$$ | cut -d: -f1 | sort -u | sed 's/^/  /' >&2
    rm -f /tmp/flexllm_format.$$
    echo "ci/format.sh: the files above differ from .clang-format (fix: ci/format.sh --fix)" >&2
    exit 1
fi
rm -f /tmp/flexllm_format.$$
echo "ci/format.sh: ${#files[@]} sources match .clang-format"

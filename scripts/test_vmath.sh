#!/bin/sh
# Accuracy of the vectorised elementwise functions (Sources/CKernels/vmath.c) on every instruction
# set of this CPU: see scripts/test_vmath.c. Usage: scripts/test_vmath.sh [STRIDE [NAME…]] (default
# 97, every function).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cc=${CC:-/opt/swift/usr/bin/clang}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$cc" -O2 -Wall -Wextra -Werror -I"$root/Sources/CKernels/include" \
    "$root/scripts/test_vmath.c" "$root/Sources/CKernels/vmath.c" "$root/Sources/CKernels/gemm.c" \
    -o "$out/test_vmath" -lm $(case "$(uname -m)" in x86_64) echo -lquadmath;; esac)
stride=${1:-97}
[ $# -gt 0 ] && shift
"$out/test_vmath" "$stride" "$@"

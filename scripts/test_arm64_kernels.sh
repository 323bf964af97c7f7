#!/usr/bin/env bash
# The C kernels as an arm64 machine (Apple silicon, Graviton) runs them, proved on this x86 machine:
# Sources/CKernels is built for aarch64 with the toolchain's clang (--target=aarch64-linux-gnu,
# against Debian's aarch64 C library) and run under qemu-aarch64:
#   scripts/test_arm64_kernels.c  the NEON GEMM tiles and the direct kernels against a plain
#                                 triple loop (odd shapes, every edge tile, several k), Adam's
#                                 fused update bit for bit;
#   scripts/test_vmath.c          the vectorised elementwise functions (4-lane NEON vectors there)
#                                 within their ulp bounds over the Float line (every STRIDE-th
#                                 pattern; default 29989, about 45 s of CPU under emulation).
# Installs gcc-aarch64-linux-gnu (the C library and start files) and qemu-user when absent (Debian,
# as root). Usage: scripts/test_arm64_kernels.sh [STRIDE]. Exit status 1 on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v qemu-aarch64 >/dev/null 2>&1 || [[ ! -d /usr/aarch64-linux-gnu/lib ]]; then
    echo "== installing gcc-aarch64-linux-gnu and qemu-user"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-aarch64-linux-gnu qemu-user >/dev/null
fi
swift_dir="$(dirname "$(readlink -f "$(command -v swift)")")"
cc="${CC:-$swift_dir/clang}"
[[ -x "$cc" ]] || cc=/opt/swift/usr/bin/clang
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
flags=(--target=aarch64-linux-gnu -O2 -Wall -Wextra -Werror -I"$root/Sources/CKernels/include")
kernels=("$root/Sources/CKernels/gemm.c" "$root/Sources/CKernels/gemm_direct.c" "$root/Sources/CKernels/adam.c"
         "$root/Sources/CKernels/vmath.c")
echo "== building for aarch64 ($cc)"
"$cc" "${flags[@]}" "$root/scripts/test_arm64_kernels.c" "${kernels[@]}" -o "$out/test_kernels" -lm
"$cc" "${flags[@]}" "$root/scripts/test_vmath.c" "${kernels[@]}" -o "$out/test_vmath" -lm
# Every C file of the target compiles for arm64 without a warning (the package builds them all).
for file in "$root"/Sources/CKernels/*.c; do "$cc" "${flags[@]}" -c "$file" -o "$out/$(basename "$file").o"; done
echo "== GEMM tiles, direct kernels, Adam (qemu-aarch64)"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$out/test_kernels"
echo "== elementwise functions (qemu-aarch64)"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$out/test_vmath" "${1:-29989}"

#!/usr/bin/env bash
# The Catch2 suite natively under AddressSanitizer + UndefinedBehaviorSanitizer (clang 14,
# -fno-sanitize-recover=all: any report fails the run), in build/asan.
# Needs: apt-get install -y clang-14 libclang-rt-14-dev
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD"
fi
cmake -S . -B build/asan -DZX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" >/dev/null
cmake --build build/asan -j"$(nproc)" --target zhixuan_tests
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd build/asan  # the suite finds its fixtures relative to the build directory, as under ctest
./zhixuan_tests "$@"

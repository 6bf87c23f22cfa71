#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang 14, -fsanitize=fuzzer,address,undefined) into build/fuzz.
# Needs: apt-get install -y clang-14 libclang-rt-14-dev
set -euo pipefail
cd "$(dirname "$0")/../.."
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD"
fi
cmake -S . -B build/fuzz -DZX_FUZZ=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" >/dev/null
cmake --build build/fuzz -j"$(nproc)" --target fuzzers

#!/usr/bin/env bash
# Builds the native core, CLI and tests (build/native) and the wasm module of the
# package (build/wasm -> dist/). Pass `debug` for the assertion-heavy wasm flavour.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-toolchain.sh
flavour=${1:-release}
build_type=Release
[ "$flavour" = debug ] && build_type=Debug
jobs=$(nproc)
# ccache, when installed, makes rebuilds (and other checkouts of the tree) cheap; paths are
# hashed relative to the checkout so they share the cache.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD"
fi

cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build build/native -j"$jobs"

export NODE_PATH=/usr/share/nodejs   # emscripten 3.1.6's optimizer needs Debian's acorn
wasm_dir=build/wasm-$flavour
emcmake cmake -S . -B "$wasm_dir" -DCMAKE_BUILD_TYPE=$build_type "${launcher[@]}" \
  -DCMAKE_CROSSCOMPILING_EMULATOR="node;--no-experimental-fetch" -DZX_DIST_DIR="$PWD/$([ "$flavour" = debug ] && echo build/wasm-debug/dist || echo dist)" >/dev/null
cmake --build "$wasm_dir" -j"$jobs"

# The JS API bundled (js/ -> esm/, what the package exports).
node scripts/bundle-js.mjs

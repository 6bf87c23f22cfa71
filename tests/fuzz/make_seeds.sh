#!/usr/bin/env bash
# Regenerates the committed seed corpora (tests/fuzz/corpus/<harness>/) with the project's own
# writers (tests/fuzz/make_seeds.cpp, built in build/native). Handmade edge cases live beside
# them, named edge_*, and are kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j"$(nproc)" --target zx_fuzz_seeds
find tests/fuzz/corpus -type f ! -name 'edge_*' -delete 2>/dev/null || true
build/native/zx_fuzz_seeds tests/fuzz/corpus
find tests/fuzz/corpus -type f | sort

#!/usr/bin/env bash
# Installs what the build needs on a fresh Debian 12 machine (or says what to run).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v em++ >/dev/null || missing+=(emscripten)
[ -f /usr/include/eigen3/Eigen/Dense ] || missing+=(libeigen3-dev)
[ -f /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
[ -f /usr/include/catch2/catch.hpp ] || missing+=(catch2)
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
# The hardening tier (fuzzers, ASan/UBSan suite): clang 14 and its sanitizer runtimes.
command -v clang++-14 >/dev/null || missing+=(clang-14)
compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null || missing+=(libclang-rt-14-dev)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The engine tier (tests/engines): Firefox ESR over WebDriver BiDi, WebKitGTK through
# WebKitWebDriver (Safari's WebCore and JavaScriptCore), which needs a display: Xvfb.
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || missing+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null || missing+=(xvfb)
command -v xauth >/dev/null || missing+=(xauth)
# The server's HTTPS test makes a self-signed certificate.
command -v openssl >/dev/null || missing+=(openssl)
# CJK glyphs for the page screenshots the browser tests write.
[ -d /usr/share/fonts/truetype/wqy ] || missing+=(fonts-wqy-zenhei)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "zhixuan: installing ${missing[*]} (apt)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "zhixuan: missing ${missing[*]}. Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# A linked node_modules (one install shared by several checkouts) is left alone: npm ci empties
# the folder a link points to, under every checkout that shares it.
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "zhixuan: npm ci" >&2
  npm ci --no-audit --no-fund >/dev/null
fi

# Node 22 from npm for the relaxed-SIMD kernel's tests (tests/js/i8-kernel.test.js) and figures:
# Node 20 has relaxed SIMD only behind a flag, whose int8 dot gave a wrong result here. Kept out
# of node_modules/.bin, where `npm test` would run every tier on it (better-sqlite3 is built for 20).
if [ ! -x .cache/node22/node_modules/.bin/node ]; then
  echo "zhixuan: npm install node@22 into .cache/node22" >&2
  npm install --prefix .cache/node22 --no-save --no-package-lock --no-audit --no-fund node@22 >/dev/null
fi

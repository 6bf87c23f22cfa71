// ZX_FLATTEN: inline every call inside the function (recursively). The wasm module compiles
// most files -Oz and links them with LTO; a small library template (vector::push_back,
// binary_search, ...) then keeps one out-of-line, size-optimized body, and a per-character or
// per-token loop calling it pays a call each time, even in a file compiled -O3. The FAQ index
// build (assist/) marks its per-text functions: they are small, so the copies cost little.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define ZX_FLATTEN __attribute__((flatten))
#else
#define ZX_FLATTEN
#endif

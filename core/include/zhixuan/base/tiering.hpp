// V8 (Chrome, Node) first runs a wasm function as baseline code (Liftoff) and compiles an
// optimized version once the function has run enough; the optimized code serves only the
// function's later calls (wasm has no on-stack replacement). So one long loop inside one call
// stays in baseline code to its end, 3-5x slower, and a large function takes V8 tens of
// milliseconds to optimize. The loops that run once per model load (the header and manifest
// parse, the id table, the NaN/Inf check) and the first query's scan therefore run their body
// in a small function marked ZX_TIER_UNIT, called per chunk or per value: V8 optimizes it
// within the first chunks and the rest run optimized. Natively it costs one call per chunk.
#pragma once

#define ZX_TIER_UNIT __attribute__((noinline))

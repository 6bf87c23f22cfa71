// A tiny parallel_for: splits [begin, end) into chunks handed out to `threads`
// std::threads through an atomic counter (so uneven work, e.g. users with long
// histories, balances itself). Built for wasm it runs serially: the SDK's wasm
// module is single-threaded, and the training code must still compile there.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace zhixuan {

// Threads to use when the caller asks for 0 ("all cores").
inline int DefaultThreadCount() {
#ifdef __EMSCRIPTEN__
  return 1;
#else
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
#endif
}

// Calls body(i, thread_index) for every i in [begin, end), each exactly once.
// thread_index is in [0, threads) so callers can keep per-thread scratch space.
template <typename Body>
void ParallelFor(int64_t begin, int64_t end, int threads, Body&& body, int64_t chunk = 16) {
  if (end <= begin) return;
  if (threads <= 0) threads = DefaultThreadCount();
  chunk = std::max<int64_t>(1, chunk);
  const int64_t chunks = (end - begin + chunk - 1) / chunk;
  threads = static_cast<int>(std::min<int64_t>(threads, chunks));
#ifndef __EMSCRIPTEN__
  if (threads > 1) {
    std::atomic<int64_t> next{begin};
    auto worker = [&](int thread_index) {
      for (;;) {
        const int64_t start = next.fetch_add(chunk);
        if (start >= end) return;
        const int64_t stop = std::min(end, start + chunk);
        for (int64_t i = start; i < stop; ++i) body(i, thread_index);
      }
    };
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
    worker(0);
    for (std::thread& t : pool) t.join();
    return;
  }
#endif
  for (int64_t i = begin; i < end; ++i) body(i, 0);
}

}  // namespace zhixuan

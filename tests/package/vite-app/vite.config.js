// What a Vite user configures for zhixuan. `vite build`: nothing (the wasm is found through
// `new URL('../dist/zhixuan-core.wasm', import.meta.url)` and emitted as an asset; the worker
// of worker mode is bundled as well). The dev server: keep the package out of dependency
// pre-bundling, so the wasm file stays next to the module that loads it.
export default {
  optimizeDeps: { exclude: ['zhixuan'] },
};

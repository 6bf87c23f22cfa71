// What a Vite 8 user configures for zhixuan: nothing. `vite build` emits the wasm found through
// `new URL('../dist/zhixuan-core.wasm', import.meta.url)` as an asset and bundles the worker of
// worker mode; the dev server serves both as they are (checked by tests/package/vite.sh).
// Vite 7 and older: worker mode needs `worker: { format: 'es' }` (their default IIFE worker
// format cannot code-split); add `optimizeDeps: { exclude: ['zhixuan'] }` if the dev server's
// pre-bundling ever moves the module away from its wasm.
export default {};

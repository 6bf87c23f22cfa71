// Prepended to the wasm build of the CLI (dist/zhixuan-cli.cjs, run by node): the module reads
// its .wasm beside it here, since emscripten's loader would otherwise try Node's global fetch()
// on a file path and fail.
Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'zhixuan-cli.wasm'));

// Bundles the public API (js/) into esm/, what the package exports: one module for everything
// a page loads statically, and one chunk per part loaded on demand (rooms, worker mode, the
// Node file reader). Node took about 0.5 ms per module to import js/ (10 modules, 6 ms); a
// page on a phone saves the request waterfall of their imports.
// esm/ sits one level below the package root, as js/ does, so the modules' own relative URLs
// (`new URL('../dist/….wasm', import.meta.url)`, `new URL('./worker.js', …)`) hold as written.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'esm');

const bundle = await rollup({
  input: { index: path.join(root, 'js/index.js'), worker: path.join(root, 'js/worker/worker.js') },
  // The wasm glue modules stay files of their own next to their .wasm; specifiers computed at
  // run time (node:fs and the like, through nodeModule) are left alone.
  external: (id) => id.startsWith('node:') || /[\\/]dist[\\/]zhixuan-[\w-]+\.mjs$/.test(id),
  onwarn(warning) {
    throw new Error(`bundling js/: ${warning.message}`);
  },
  // The shared code lives in esm/index.js itself (which then also exports a few internal
  // names for the other chunks), not in a third chunk that index.js would merely re-export.
  preserveEntrySignatures: 'allow-extension',
});
fs.rmSync(out, { recursive: true, force: true });
// The federated client's chunk keeps its name (its entry is js/federated/index.js), and secure
// aggregation's client, which participate() imports on first use, is a chunk of its own.
const manualChunks = (id) => {
  if (/[\\/]js[\\/]federated[\\/]secagg-[\w-]+\.js$/.test(id)) return 'secagg';
  if (/[\\/]js[\\/]federated[\\/](index|transport)\.js$/.test(id)) return 'federated';
  return undefined;
};
const { output } = await bundle.write({
  dir: out,
  format: 'es',
  manualChunks,
  entryFileNames: '[name].js',
  chunkFileNames: '[name].js',
  generatedCode: 'es2015',
});
await bundle.close();
// The comments stay in js/ (and the API's documentation in index.d.ts); the page downloads the
// code only: terser drops them (not the bundlers' @vite-ignore hints) and keeps the code as
// written (no compression, no mangling, one statement a line), which takes the lean page's
// esm/index.js from about 12 to 8 KB gzipped.
// Skipped, saying so, without terser (as scripts/minify-glue.mjs).
let minify = null;
try {
  ({ minify } = await import('terser'));
} catch {
  console.warn('bundle-js: terser is not installed (npm ci): leaving the comments in esm/');
}
if (minify) {
  for (const chunk of output) {
    if (chunk.type !== 'chunk') continue;
    const file = path.join(out, chunk.fileName);
    const result = await minify(fs.readFileSync(file, 'utf8'), {
      module: true, ecma: 2020, compress: false, mangle: false, format: { comments: /@vite-ignore/, beautify: true, indent_level: 2 },
    });
    fs.writeFileSync(file, result.code);
    chunk.code = result.code;
  }
}
console.log(`esm/: ${output.map((chunk) => `${chunk.fileName} ${chunk.type === 'chunk' ? chunk.code.length : chunk.source.length} B`).join(', ')}`);

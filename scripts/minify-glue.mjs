// Minifies emscripten's JS glue in place with terser (the module's size budget counts it).
// Run by the release wasm build after linking; skips, saying so, when terser is not installed.
//   node scripts/minify-glue.mjs dist/zhixuan-core.mjs
import fs from 'node:fs';

const file = process.argv[2];
let minify;
try {
  ({ minify } = await import('terser'));
} catch {
  console.warn('minify-glue: terser is not installed (npm ci): leaving the glue unminified');
  process.exit(0);
}
const source = fs.readFileSync(file, 'utf8');
const result = await minify(source, {
  module: true,
  ecma: 2020,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: false },
});
fs.writeFileSync(file, result.code);
console.log(`minify-glue: ${file} ${source.length} -> ${result.code.length} bytes`);

// Assembles the wasm kernels written in WebAssembly text (wasm/kernels/*.wat) with wabt from npm
// (Debian's emscripten 3.1.6 cannot emit standard relaxed-SIMD opcodes) into one ES module of
// bytes, dist/zhixuan-kernels.mjs: a few hundred bytes each, imported by js/kernels/ with the
// rest of the page's JS rather than fetched on their own.
//   node scripts/build-kernels.mjs [OUT_FILE]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outFile = process.argv[2] ?? path.join(root, 'dist/zhixuan-kernels.mjs');
const KERNELS = { i8DotRelaxed: 'wasm/kernels/i8_dot_relaxed.wat' };

const wabt = await (await import('wabt')).default();
const lines = ['// Built by scripts/build-kernels.mjs from wasm/kernels/*.wat: do not edit.', 'const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));'];
for (const [name, file] of Object.entries(KERNELS)) {
  const module = wabt.parseWat(file, fs.readFileSync(path.join(root, file), 'utf8'), { simd: true, relaxed_simd: true });
  module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();
  lines.push(`export const ${name} = bytes('${Buffer.from(buffer).toString('base64')}');`);
}
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, `${lines.join('\n')}\n`);

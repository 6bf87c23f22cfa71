// Package size: what a page downloads (the bundled API from esm/, one wasm module and its
// glue), each file gzip -9.
//
//   node bench/size.mjs [--module DIR] [--rooms BUILD_DIR]
//
// Three pages (js/core.js picks the module from createRecommender's `features`):
//   default  createRecommender({ model })                          zhixuan-core (every room) + the rooms' chunks
//            (profile, text, federated, ops; the assistant's module and secure aggregation's
//            client are downloaded when first used, and listed after the pages)
//   profile  createRecommender({ model, features: ['profile'] })   zhixuan-core-profile + esm/profile.js
//   lean     createRecommender({ model, features: [] })            zhixuan-core-lean (load, recommend, similar, ...)
// --module: folder with the modules' .mjs + .wasm (default: the package's dist/).
// --rooms: a configured wasm build dir; relinks the full module once without each room's
//   wasm/bind_<room>.cpp object to show what each room adds (LTO drops the room's core code
//   with its bindings). Needs NODE_PATH=/usr/share/nodejs for em++.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { functionSizes, wasmSections } from './lib/wasm-sections.mjs';

const BUDGET = 80 * 1024;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const moduleDir = path.resolve(args.module ?? path.join(repoRoot, 'dist'));
const gz = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// Every file the entries reach through static imports (the glue is imported dynamically,
// and node-only modules through a computed specifier: neither is followed).
function staticGraph(entries) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]/g)) {
      visit(path.resolve(path.dirname(file), m[1] ?? m[2]));
    }
  };
  entries.forEach((e) => visit(path.join(repoRoot, 'esm', e)));
  return [...seen];
}

const PAGES = [
  { name: 'default page: createRecommender({ model }) — every room', js: ['index.js', 'profile.js', 'text.js', 'federated.js', 'ops.js'], module: 'zhixuan-core' },
  { name: "profile page: createRecommender({ model, features: ['profile'] })", js: ['index.js', 'profile.js'], module: 'zhixuan-core-profile' },
  { name: 'lean page: createRecommender({ model, features: [] })', js: ['index.js'], module: 'zhixuan-core-lean' },
];

function sizeTable(files) {
  let raw = 0, zipped = 0;
  const rows = files.map((f) => {
    const bytes = fs.readFileSync(f);
    raw += bytes.length;
    const g = gz(bytes);
    zipped += g;
    return `| ${path.relative(repoRoot, f)} | ${bytes.length} | ${g} |`;
  });
  return { rows, raw, zipped };
}

if (!fs.existsSync(path.join(repoRoot, 'esm', 'index.js'))) throw new Error('esm/index.js is missing: run `npm run build` (or node scripts/bundle-js.mjs) first');
const totals = [];
for (const page of PAGES) {
  const glue = path.join(moduleDir, `${page.module}.mjs`);
  if (!fs.existsSync(glue)) {
    console.log(`# ${page.name}: ${path.relative(repoRoot, glue)} is missing (build it first)\n`);
    continue;
  }
  const { rows, raw, zipped } = sizeTable([...staticGraph(page.js), glue, glue.replace(/\.mjs$/, '.wasm')]);
  console.log(`# ${page.name} (gzip -9 per file) — module ${path.relative(repoRoot, glue)}`);
  console.log('| file | bytes | gzip -9 |');
  console.log('|---|---|---|');
  rows.forEach((r) => console.log(r));
  console.log(`| **total (page runtime)** | ${raw} | **${zipped} = ${kb(zipped)}** (budget ${kb(BUDGET)}: ${zipped <= BUDGET ? 'PASS' : 'FAIL'}) |\n`);
  totals.push(`${page.module}: ${kb(zipped)}`);
}
// Downloaded when first used, by pages that use them (README, "Rooms loaded when first used").
const onDemand = [
  ['createAssistant()', ['esm/assist.js', path.join(moduleDir, 'zhixuan-assist.mjs'), path.join(moduleDir, 'zhixuan-assist.wasm')]],
  ['rec.federated.participate()', ['esm/secagg.js']],
];
for (const [when, files] of onDemand) {
  const present = files.map((f) => path.resolve(repoRoot, f)).filter((f) => fs.existsSync(f));
  if (present.length < files.length) continue;
  const { zipped } = sizeTable(present);
  console.log(`on first use, ${when}: ${present.map((f) => path.basename(f)).join(' + ')} = ${kb(zipped)} gzip -9`);
  totals.push(`${when} +${kb(zipped)}`);
}
const server = path.join(moduleDir, 'zhixuan-server.wasm');
if (fs.existsSync(server)) console.log(`server module (Node only, not downloaded by pages): zhixuan-server.wasm ${fs.statSync(server).size} bytes, gzip -9 ${gz(fs.readFileSync(server))}`);
console.log(`summary: ${totals.join(', ')}`);

const wasm = fs.readFileSync(path.join(moduleDir, 'zhixuan-core.wasm'));
console.log(`\nwasm sections: ${wasmSections(wasm).map((s) => `${s.name} ${s.total}`).join(', ')}`);
const named = functionSizes(wasm).filter((f) => !/^func\d+$/.test(f.name));
if (named.length) {
  console.log('largest functions (module linked with --profiling-funcs):');
  for (const f of named.sort((a, b) => b.size - a.size).slice(0, 15)) console.log(`  ${f.size}  ${f.name.slice(0, 110)}`);
}

if (args.rooms) {
  const buildDir = path.resolve(args.rooms);
  const dir = path.join(buildDir, 'CMakeFiles', 'zhixuan_wasm.dir');
  const linkLine = fs.readFileSync(path.join(dir, 'link.txt'), 'utf8').trim();
  const objects = fs.readFileSync(path.join(dir, 'objects1'), 'utf8').trim().split(/\s+/);
  const rooms = objects.filter((o) => /bind_(?!engine)[^/]*\.cpp\.o$/.test(o));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-size-'));
  const link = (objs, name) => {
    fs.writeFileSync(path.join(out, `${name}.rsp`), objs.join(' '));
    const target = path.join(out, `${name}.mjs`);
    const cmd = linkLine.replace(/@CMakeFiles\/zhixuan_wasm\.dir\/objects1/, `@${path.join(out, `${name}.rsp`)}`)
      .replace(/-o \S+/, `-o ${target}`);
    execSync(cmd, { cwd: buildDir, stdio: 'inherit', env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } });
    return gz(fs.readFileSync(target)) + gz(fs.readFileSync(target.replace(/\.mjs$/, '.wasm')));
  };
  const full = link(objects, 'all');
  console.log(`\n# what each room's bindings (and the core code they pull in) add, gzip -9 of .wasm + .mjs`);
  console.log(`| module | gzip -9 | room's share |`);
  console.log('|---|---|---|');
  console.log(`| every binding | ${full} | — |`);
  for (const room of rooms) {
    const name = path.basename(room).replace(/\.cpp\.o$/, '');
    try {
      const without = link(objects.filter((o) => o !== room), `no-${name}`);
      console.log(`| without ${name} | ${without} | ${full - without} bytes = ${kb(full - without)} |`);
    } catch {
      console.log(`| without ${name} | link failed (other objects use it) | — |`);
    }
  }
  fs.rmSync(out, { recursive: true, force: true });
}

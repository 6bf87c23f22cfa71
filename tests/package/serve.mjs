// Runs inside a fresh project that installed the packed tarball: `npx zhixuan serve` from the
// package alone (every module the server imports must ship), first without better-sqlite3 (a
// clear message, not a missing module of ours), then with it: the server listens, answers
// GET /v1/round on the model it was given, and stops on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The bin npx would run, started directly so that SIGTERM reaches the server itself.
const bin = 'node_modules/.bin/zhixuan';
const args = (dir) => [bin, 'serve', '--model', 'model.safetensors', '--data', dir, '--port', '0'];
const sqlite = process.argv[2];  // the repository's better-sqlite3 (built there), linked in below

const without = spawnSync(process.execPath, args(mkdtempSync(path.join(tmpdir(), 'zx-serve-'))), { encoding: 'utf8', timeout: 60000 });
assert.notEqual(without.status, 0, 'serve without better-sqlite3 must fail');
assert.match(without.stderr, /needs better-sqlite3/, `unexpected failure:\n${without.stderr}`);
assert.doesNotMatch(without.stderr, /ERR_MODULE_NOT_FOUND|Cannot find module '\.\.?\//, 'a module of the package is missing');

if (!existsSync('node_modules/better-sqlite3')) symlinkSync(sqlite, 'node_modules/better-sqlite3', 'dir');
const child = spawn(process.execPath, args(mkdtempSync(path.join(tmpdir(), 'zx-serve-'))), { stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });
const url = await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s:\n${stderr}`)), 60000);
  child.stdout.on('data', (d) => {
    out += d;
    const found = /listening on (http:\/\/\S+)/.exec(out);
    if (found) { clearTimeout(timer); resolve(found[1]); }
  });
  child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}:\n${stderr}`)); });
});
const round = await (await fetch(`${url}/v1/round`)).json();
assert.ok(Number.isInteger(round.round_id) && round.round_id >= 1, JSON.stringify(round));
assert.equal(typeof round.base_version, 'string');
child.removeAllListeners('exit');
const exited = new Promise((resolve) => child.on('exit', resolve));
child.kill('SIGTERM');
assert.equal(await exited, 0);
console.log(`ok   npx zhixuan serve from the package: round ${round.round_id} on ${round.base_version}`);

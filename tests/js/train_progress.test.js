// `zhixuan train` reports progress per epoch with an ETA; with stderr a pipe or a file (a log of a
// long run) it writes one plain line per epoch instead of redrawing a bar. Runs with the native
// CLI and the wasm CLI (cli-helpers.js); one that is not built skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeCli, wasmCli } from './cli-helpers.js';

for (const [name, cli] of [['native', nativeCli], ['wasm', wasmCli]]) {
  test(`${name} \`zhixuan train\` writes one progress line per epoch, with an ETA, when stderr is not a terminal`,
    { skip: !cli && `the ${name} CLI is not built` }, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-progress-'));
      try {
        const rows = ['user,item'];
        for (let u = 0; u < 40; u++) for (let k = 0; k < 5; k++) rows.push(`u${u},i${(u * 7 + k * 3) % 30}`);
        fs.writeFileSync(path.join(dir, 'train.csv'), rows.join('\n') + '\n');
        const r = spawnSync(cli.file, [...cli.args, 'train', '--interactions', path.join(dir, 'train.csv'), '--out',
          path.join(dir, 'model.safetensors'), '--dim', '8', '--epochs', '4'], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const lines = r.stderr.split('\n').filter((l) => l.startsWith('training '));
        assert.equal(lines.length, 4, r.stderr);
        lines.forEach((line, i) => assert.match(line, new RegExp(`^training ${i + 1}/4  [\\d.]+s elapsed, ETA [\\d.]+s  [\\d.]+s/epoch$`)));
        assert.ok(!r.stderr.includes('\r'), 'no carriage returns in a log');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

  test(`${name} \`zhixuan train\` reports reading, parsing and indexing the CSV before the first epoch`,
    { skip: !cli && `the ${name} CLI is not built` }, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-progress-'));
      try {
        const rows = ['user,item,weight'];
        for (let u = 0; u < 50; u++) for (let k = 0; k < 6; k++) rows.push(`u${u},i${(u * 5 + k * 7) % 40},1`);
        rows.push('u0,i0,1');  // a repeated pair: 301 rows, 300 distinct interactions
        const csv = path.join(dir, 'train.csv');
        fs.writeFileSync(csv, rows.join('\n') + '\n');
        const bytes = fs.statSync(csv).size;
        const r = spawnSync(cli.file, [...cli.args, 'train', '--interactions', csv, '--out', path.join(dir, 'model.safetensors'),
          '--dim', '8', '--epochs', '2'], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const lines = r.stderr.split('\n');
        const at = (prefix) => lines.findIndex((l) => l.startsWith(prefix));
        const reading = lines[at(`reading ${csv}: `)], parsing = lines[at(`parsing ${csv}: `)];
        const indexing = lines[at('indexing users and items: ')];
        assert.match(reading ?? '', new RegExp(`: ${(bytes / 1e3).toFixed(1)} kB in [\\d.]+s$`), r.stderr);
        assert.match(parsing ?? '', /: 301 rows in [\d.]+s$/, r.stderr);
        assert.match(indexing ?? '', /: 50 users x 40 items, 300 distinct interactions in [\d.]+s$/, r.stderr);
        assert.ok(at('reading ') < at('parsing ') && at('parsing ') < at('indexing ') && at('indexing ') < at('training 1/2'),
          r.stderr);
        // After the epochs, the bundle's extras (k-means, also-bought) announce themselves and their end.
        assert.ok(at('bundling (') > at('training 2/2'), r.stderr);
        assert.match(lines.findLast((l) => l.startsWith('bundling (')), /: 8 segments, also-bought top 20 in [\d.]+s$/, r.stderr);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
}

// The CLI's `zhixuan recommend` and the wasm module's `rec.recommend({history})` must rank
// identically: both fold in with the same core code (Recommender::FoldIn) and score the same
// rows. The model comes from the same CLI's `zhixuan train` on generated interactions. Each test
// runs with the native CLI and with the wasm CLI the package ships (cli-helpers.js); one that is
// not built skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRecommender } from '../../js/index.js';
import { nativeCli, wasmCli } from './cli-helpers.js';

const clis = [['native', nativeCli], ['wasm', wasmCli]];

// Deterministic interactions: 300 users in 6 taste clusters over 400 items (LCG, no Math.random).
function interactions() {
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = ['user,item'];
  const histories = new Map();
  for (let u = 0; u < 300; u++) {
    const cluster = u % 6;
    const items = new Set();
    while (items.size < 12 + Math.floor(next() * 20)) {
      const inCluster = next() < 0.8;
      const item = inCluster ? cluster * 60 + Math.floor(next() * 60) : Math.floor(next() * 400);
      items.add(`m${item}`);
    }
    histories.set(`u${u}`, [...items]);
    for (const item of items) rows.push(`u${u},${item}`);
  }
  return { csv: rows.join('\n') + '\n', histories };
}

for (const [name, cli] of clis) {
  test(`${name} \`zhixuan recommend\` ranks exactly like the wasm module`, { skip: !cli && `the ${name} CLI is not built` }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-parity-'));
    try {
      const { csv, histories } = interactions();
      fs.writeFileSync(path.join(dir, 'train.csv'), csv);
      const model = path.join(dir, 'model.safetensors');
      execFileSync(cli.file, [...cli.args, 'train', '--interactions', path.join(dir, 'train.csv'), '--out', model, '--dim', '32',
        '--epochs', '6', '--threads', '1'], { stdio: 'pipe' });
      // A sample of users, given as new histories (every 7th user, half of their items).
      const sample = [...histories.entries()].filter((_, i) => i % 7 === 0)
        .map(([user, items]) => [`h_${user}`, items.slice(0, Math.ceil(items.length / 2))]);
      const historyCsv = ['user,item', ...sample.flatMap(([user, items]) => items.map((item) => `${user},${item}`))].join('\n');
      fs.writeFileSync(path.join(dir, 'history.csv'), historyCsv + '\n');
      const recs = path.join(dir, 'recs.csv');
      execFileSync(cli.file, [...cli.args, 'recommend', '--model', model, '--history', path.join(dir, 'history.csv'), '--k', '25',
        '--out', recs], { stdio: 'pipe' });
      const native = new Map();
      const lines = fs.readFileSync(recs, 'utf8').trim().split('\n');
      assert.equal(lines[0], 'user,rank,item,score');
      for (const line of lines.slice(1)) {
        const [user, rank, item, score] = line.split(',');
        if (!native.has(user)) native.set(user, { ids: [], scores: [] });
        const entry = native.get(user);
        assert.equal(Number(rank), entry.ids.length + 1);
        entry.ids.push(item);
        entry.scores.push(Number(score));
      }
      const rec = await createRecommender({ model: fs.readFileSync(model), profile: false });
      try {
        assert.equal(native.size, sample.length);
        for (const [user, items] of sample) {
          const wasm = rec.recommend({ history: items, k: 25 });
          const expected = native.get(user);
          assert.deepEqual(wasm.ids, expected.ids, `ranking of ${user}`);
          wasm.scores.forEach((s, i) => assert.ok(Math.abs(s - expected.scores[i]) < 1e-4, `score ${i} of ${user}`));
        }
      } finally {
        rec.dispose();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${name} \`zhixuan train --bundle-format 1\` writes the ids in the manifest for older devices; both formats rank alike`, { skip: !cli && `the ${name} CLI is not built` }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-format-'));
    try {
      fs.writeFileSync(path.join(dir, 'train.csv'), interactions().csv);
      const train = (out, extra) => execFileSync(cli.file, [...cli.args, 'train', '--interactions', path.join(dir, 'train.csv'), '--out', out,
        '--dim', '16', '--epochs', '3', '--threads', '1', ...extra], { stdio: 'pipe' });
      const v1 = path.join(dir, 'v1.safetensors');
      const v2 = path.join(dir, 'v2.safetensors');
      train(v1, ['--bundle-format', '1']);
      train(v2, []);
      const [old, current] = await Promise.all([v1, v2].map((model) => createRecommender({ model, profile: false })));
      try {
        assert.equal(old.manifest.format_version, 1);
        assert.equal(old.manifest.item_ids.length, current.info.items);
        assert.equal(current.manifest.format_version, 2);
        assert.equal(current.manifest.item_ids, undefined);
        assert.deepEqual(old.recommend({ history: ['m1', 'm2', 'm3'], k: 10 }), current.recommend({ history: ['m1', 'm2', 'm3'], k: 10 }));
      } finally {
        old.dispose();
        current.dispose();
      }
      assert.throws(() => train(path.join(dir, 'bad.safetensors'), ['--bundle-format', '3']), (e) => /bundle-format/.test(String(e.stderr)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

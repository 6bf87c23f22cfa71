// `zhixuan ope` from both builds of the CLI: uniform logs of a world whose truth is known, a
// candidate policy, and every estimator's interval around the candidate's true value; a malformed
// log is a named error with its line. Skips when that CLI is not built (README lists it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { nativeCli, wasmCli } from './cli-helpers.js';
import { rng } from '../../tools/random.mjs';

const run = promisify(execFile);
const RATE = { web: { a: 0.3, b: 0.05, c: 0.1 }, app: { a: 0.05, b: 0.25, c: 0.1 } };
const POLICY = { slots: { '*': { contexts: { web: { a: 0.9, c: 0.1 }, app: { b: 0.9, c: 0.1 } } } } };
const TRUTH = 0.5 * (0.9 * 0.3 + 0.1 * 0.1) + 0.5 * (0.9 * 0.25 + 0.1 * 0.1);

function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-ope-'));
  const random = rng(3);
  const rows = ['slot,context,action,reward,propensity'];
  for (let i = 0; i < 12000; i++) {
    const context = i % 2 ? 'web' : 'app', action = 'abc'[Math.floor(random() * 3)];
    rows.push(`${i % 3 ? 'banner' : 'rail'},${context},${action},${random() < RATE[context][action] ? 1 : 0},0.3333333333`);
  }
  fs.writeFileSync(path.join(dir, 'logs.csv'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(POLICY));
  fs.writeFileSync(path.join(dir, 'bad.csv'), 'slot,action,reward,propensity\nbanner,a,1,0.5\nbanner,a,1,0\n');
  return dir;
}

for (const [name, cli] of [['native', nativeCli], ['wasm', wasmCli]]) {
  const skip = cli ? false : `the ${name} CLI is not built (bash scripts/build.sh)`;
  test(`${name} \`zhixuan ope\` estimates the candidate's true value within its interval's width`, { skip }, async () => {
    const dir = fixture();
    try {
      const { stdout } = await run(cli.file, [...cli.args, 'ope', '--logs', path.join(dir, 'logs.csv'), '--policy', path.join(dir, 'policy.json'), '--json', '--bootstrap', '200']);
      const { results } = JSON.parse(stdout);
      assert.deepEqual(results.map((r) => r.slot), ['banner', 'rail', '*']);
      const overall = results.at(-1);
      assert.equal(overall.renders, 12000);
      for (const k of ['replay', 'ipw', 'snipw', 'dr']) {
        // One fixed sample: a 95% interval may miss the truth, 4 standard errors should not.
        const width = overall[k].hi - overall[k].lo;
        assert.ok(overall[k].lo < overall[k].value && overall[k].value < overall[k].hi, `${k}: ${JSON.stringify(overall[k])}`);
        assert.ok(Math.abs(overall[k].value - TRUTH) < width, `${k}: ${JSON.stringify(overall[k])} vs ${TRUTH}`);
        assert.ok(width > 0.005 && width < 0.07, `${k} interval width ${width}`);
      }
      await assert.rejects(run(cli.file, [...cli.args, 'ope', '--logs', path.join(dir, 'bad.csv'), '--policy', path.join(dir, 'policy.json')]),
        (error) => /MALFORMED_DATA/.test(error.stderr) && /line 3/.test(error.stderr));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

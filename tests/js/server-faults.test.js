// kill -9 of the aggregation server at each kind of moment (tools/server-faults.mjs: a random
// instant of the uploads, an update stored but not acknowledged, the quorum in but not summed,
// the next model written inside the closing transaction, the close committed), restarted each
// time: PRAGMA integrity_check ok, no half-applied round, every acknowledged update counted once.
// bench/RESULTS.md has the 50-kill run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODES, runFaults } from '../../tools/server-faults.mjs';

test('kill -9 at every kind of moment, restart: integrity ok, no half-applied round, acknowledged updates counted once', async () => {
  const report = await runFaults({ kills: MODES.length + 1, quorum: 6, devices: 14, seed: 7 });
  assert.deepEqual(report.violations, []);
  assert.deepEqual(report.unexpected, []);
  for (const mode of MODES) assert.ok(report.byMode[mode] >= 1, mode);
  assert.equal(report.pointMissed, 0, 'each fault point was reached and the server died there');
  assert.ok(report.roundsClosed >= 1, `rounds closed across the kills: ${report.roundsClosed}`);
  assert.ok(report.acknowledged >= 1, `${report.acknowledged} acknowledged`);
});

// The ops side of `zhixuan serve` over real HTTP and SQLite: the experiments file, metric reports
// (validated against the file's layout and noise), the statistics, the operator token, restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { postSimulatedDay, simExperimentsFile } from '../../tools/ops-sim.mjs';
import { noisedReport } from '../../js/ops.js';
import { registerClient } from '../../js/federated/transport.js';

const TOKEN = 'op-'.padEnd(32, 'x');

async function serve(dataDir, file = simExperimentsFile()) {
  return startAggregationServer({ modelBytes: checkerboardBundle(), dataDir, port: 0, experimentsText: JSON.stringify(file), operatorToken: TOKEN });
}

const today = () => Math.floor(Date.now() / 86400000);

test('the server publishes the file, refuses bad reports, and computes the variants', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zx-ops-server-'));
  const file = simExperimentsFile({ noise: 0 });
  let server = await serve(dataDir, file);
  try {
    const published = await (await fetch(`${server.url}/v1/experiments`)).json();
    assert.equal(published.version, 'sim-1');
    // Bad reports: not JSON, an unknown version, a wrong layout, a forged sigma, out-of-range values.
    const runtime = new server.core.OpsRuntime();
    runtime.load(JSON.stringify(file));
    const clipped = JSON.parse(runtime.report(today() - 1).report);
    const good = noisedReport(clipped);  // the file has no noise: the clipped values, the fallback's fields
    runtime.delete();
    const client = await registerClient(server.url);
    const post = (body, type = 'application/json', token = client) => fetch(`${server.url}/v1/metrics`, {
      method: 'POST', headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const refused = async (response) => [response.status, (await response.json()).error.code];
    // Only a client this server registered may post (the federated client token, per issuer).
    assert.deepEqual(await refused(await post(good, 'application/json', null)), [401, 'UNAUTHORIZED']);
    assert.deepEqual(await refused(await post(good, 'application/json', 'f'.repeat(32))), [401, 'UNKNOWN_CLIENT']);
    const elsewhere = await serve(mkdtempSync(path.join(tmpdir(), 'zx-ops-other-')), file);
    try {
      assert.deepEqual(await refused(await post(good, 'application/json', await registerClient(elsewhere.url))), [401, 'UNKNOWN_CLIENT'], 'a token another server issued');
    } finally {
      await elsewhere.close();
    }
    // A local report carries the experiment cells only: no extra block, no un-noised count.
    assert.deepEqual(await refused(await post({ ...good, extras: { assist: [1, 2] } })), [400, 'MALFORMED_REPORT']);
    assert.deepEqual(await refused(await post(clipped)), [400, 'MALFORMED_REPORT'], 'cells_dropped is not part of a local report');
    assert.equal((await post('{nope')).status, 400);
    assert.equal((await post(good, 'text/plain')).status, 415);
    assert.equal((await post({ ...good, experiments_version: 'never' })).status, 409);
    assert.equal((await post({ ...good, layout: good.layout.slice(1) })).status, 400);
    assert.equal((await post({ ...good, sigma: good.sigma.map((s) => s + 1) })).status, 400);
    assert.equal((await post({ ...good, values: good.values.map(() => 1e12) })).status, 400);
    assert.equal((await post({ ...good, day: today() + 5 })).status, 400);
    assert.equal(server.ops.summary().reports, 0, 'nothing stored from a refused report');
    // One report per client and day: a second is a named 409 and changes nothing.
    assert.equal((await post(good)).status, 202);
    assert.deepEqual(await refused(await post(good)), [409, 'DUPLICATE_REPORT']);
    assert.equal(server.ops.summary().reports, 1);
    assert.equal((await post({ ...good, day: today() - 3 })).status, 202, 'another day of the same client');
    assert.equal(server.ops.summary().reports, 2);

    await postSimulatedDay(server.core, server.url, file, { day: today() - 2, users: 250, seed: 3 });
    await postSimulatedDay(server.core, server.url, file, { day: today() - 1, users: 250, seed: 4, userOffset: 250 });
    const summary = server.ops.summary();
    assert.equal(summary.reports, 502);
    const e = summary.experiments.find((x) => x.id === 'diversity');
    assert.equal(e.days.length, 3);
    const users = e.totals.control.users + e.totals.div03.users;
    assert.equal(users, 500, 'the two empty reports above count as device-days without users');
    assert.ok(Math.abs(e.totals.control.ctr.value - 0.05) < 0.012, `control CTR ${e.totals.control.ctr.value}`);
    assert.ok(Math.abs(e.totals.div03.ctr.value - 0.07) < 0.015, `div03 CTR ${e.totals.div03.ctr.value}`);
    assert.ok(e.totals.div03.ctr.low < e.totals.div03.ctr.value && e.totals.div03.ctr.value < e.totals.div03.ctr.high);
    assert.equal(e.totals.control.ctr.noiseShare, 0, 'no noise in this file');
    assert.equal(e.srm.flagged, false);
    assert.ok(['better', 'inconclusive'].includes(e.comparisons[0].ctr.verdict));
    assert.ok(e.comparisons[0].ctr.sequentialP <= 1 && e.comparisons[0].ctr.sequentialP >= 0);
    assert.deepEqual(Object.keys(e.byChannel).sort(), ['mini-program', 'other', 'web']);
    assert.equal(e.byChannel.other.control.impressions, 0, 'the layout has an "other" cell; nobody was in it');
    assert.equal(e.byChannel.web.control.impressions + e.byChannel['mini-program'].control.impressions, e.totals.control.impressions);

    // A restart keeps every stored sum.
    await server.close();
    server = await serve(dataDir, file);
    assert.deepEqual(server.ops.summary().experiments[0].totals, e.totals);
  } finally {
    await server.close();
  }
});

test('a clear lift is called by the sequential test, and a broken split is flagged', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zx-ops-lift-'));
  const file = simExperimentsFile({ noise: 0, version: 'lift' });
  const server = await serve(dataDir, file);
  try {
    // The mixing sd is 5% of the control's CTR: small against this lift, so the always-valid test
    // needs more data than a single z-test would (the price of looking every day).
    for (let d = 4; d >= 1; d--) {
      await postSimulatedDay(server.core, server.url, file, { day: today() - d, users: 300, seed: d, ctr: { control: 0.03, div03: 0.09 }, drop: { variant: 'div03', share: 0.35 }, userOffset: d * 1000 });
    }
    const e = server.ops.summary().experiments[0];
    assert.equal(e.comparisons[0].ctr.verdict, 'better');
    assert.ok(e.comparisons[0].ctr.relative > 1);
    assert.ok(e.comparisons[0].ctr.sequentialP <= 0.05 && e.comparisons[0].ctr.sequentialP >= e.comparisons[0].ctr.fixedHorizonP);
    assert.equal(e.srm.flagged, true, `SRM p = ${e.srm.p}`);
  } finally {
    await server.close();
  }
});

test('the dashboard needs the operator token', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zx-ops-auth-'));
  const server = await serve(dataDir);
  try {
    for (const p of ['/ops', '/ops/api/summary', '/ops/dashboard.js', '/ops/api/events']) {
      assert.equal((await fetch(`${server.url}${p}`)).status, 401, p);
      assert.equal((await fetch(`${server.url}${p}`, { headers: { authorization: 'Bearer wrong' } })).status, 401, p);
    }
    const page = await fetch(`${server.url}/ops`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /实验运营看板/);
    const login = await fetch(`${server.url}/ops?token=${TOKEN}`, { redirect: 'manual' });
    assert.equal(login.status, 303);
    const cookie = login.headers.get('set-cookie');
    assert.match(cookie, /HttpOnly/);
    const summary = await fetch(`${server.url}/ops/api/summary`, { headers: { cookie: cookie.split(';')[0] } });
    assert.equal(summary.status, 200);
    assert.equal((await summary.json()).experimentsVersion, 'sim-1');
  } finally {
    await server.close();
  }
});

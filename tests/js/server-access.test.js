// Access on the aggregation server (access.js, limits.js): operator endpoints need the operator
// token and a short one is refused at start; device endpoints keep per-device tokens;
// `zhixuan serve --tls-cert --tls-key` serves HTTPS (a self-signed certificate made here by openssl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecommender } from '../../js/index.js';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle, checkerboardRows, f32Bundle, itemIds } from '../../tools/bundle-fixtures.mjs';
import { OPERATOR_TOKEN, getJson, post, register } from './federated-helpers.js';

const CLI = fileURLToPath(new URL('../../js/server/cli.js', import.meta.url));
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function tempDir() { return mkdtempSync(path.join(tmpdir(), 'zx-access-')); }

test('a short operator token is refused at start (API and CLI)', async () => {
  await assert.rejects(
    startAggregationServer({ modelBytes: checkerboardBundle(), dataDir: tempDir(), port: 0, operatorToken: 'too-short' }),
    /operator token must be at least 16 characters/);
  const dir = tempDir();
  const modelPath = path.join(dir, 'model.safetensors');
  writeFileSync(modelPath, checkerboardBundle());
  const run = spawnSync(process.execPath, [CLI, 'serve', '--model', modelPath, '--data', path.join(dir, 'state'), '--port', '0', '--operator-token', 'short'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /operator token must be at least 16 characters/);
});

test('status and the dashboard need the operator token; device endpoints keep device tokens', async () => {
  const server = await startAggregationServer({ modelBytes: checkerboardBundle(), dataDir: tempDir(), port: 0, aggregation: 'plain', operatorToken: OPERATOR_TOKEN });
  try {
    const url = server.url;
    const device = await register(url);
    for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', `Bearer ${device}`]) {
      const response = await fetch(`${url}/v1/status`, { headers: authorization ? { authorization } : {} });
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error.code, 'OPERATOR_TOKEN_REQUIRED');
      assert.equal((await fetch(`${url}/ops/api/summary`, { headers: authorization ? { authorization } : {} })).status, 401);
    }
    const status = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    assert.equal(status.status, 200);
    assert.equal((await status.json()).round, 1);
    assert.equal((await fetch(`${url}/ops/api/summary`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).status, 200);
    // The operator token is not a device token.
    const rec = await createRecommender({ model: checkerboardBundle() });
    rec.federated.setConsent(true, { epsilonBudget: Infinity });
    const payload = rec.federated.computeUpdate(await getJson(url, '/v1/round'), { history: ['item0', 'item2'] });
    assert.equal((await post(url, 1, OPERATOR_TOKEN, payload)).status, 401);
    assert.equal((await post(url, 1, device, payload)).status, 202);
  } finally {
    await server.close();
  }
});

test('the operator publishes a model: a fresh round opens on it; refused without the token, mid-round, twice, or invalid', async () => {
  const server = await startAggregationServer({ modelBytes: checkerboardBundle(), dataDir: tempDir(), port: 0, aggregation: 'plain', quorum: 2, operatorToken: OPERATOR_TOKEN });
  try {
    const url = server.url;
    const next = f32Bundle(checkerboardRows(48, 16, 3), itemIds(48), 16, { model_version: 'retrained-2' });
    const publish = (body, token = OPERATOR_TOKEN) => fetch(`${url}/v1/models`, {
      method: 'POST', headers: { 'content-type': 'application/octet-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body,
    });
    const device = await register(url);
    assert.equal((await publish(next, null)).status, 401);
    assert.equal((await publish(next, device)).status, 401, 'a device token is not the operator token');
    const invalid = await publish(next.subarray(0, 100));
    assert.equal(invalid.status, 400);
    assert.equal((await invalid.json()).error.code, 'INVALID_MODEL');
    const published = await publish(next);
    assert.equal(published.status, 201);
    assert.deepEqual(await published.json(), { model_version: 'retrained-2', round: 2 });
    const round = await getJson(url, '/v1/round');
    assert.equal(round.round_id, 2);
    assert.equal(round.base_version, 'retrained-2');
    assert.equal((await fetch(`${url}/v1/model`)).headers.get('x-zhixuan-model-version'), 'retrained-2');
    assert.equal((await (await publish(next)).json()).error.code, 'MODEL_VERSION_EXISTS');
    // Devices train on it; once an update is in, publishing waits for the round to close.
    const rec = await createRecommender({ model: next });
    rec.federated.setConsent(true, { epsilonBudget: Infinity });
    assert.equal((await post(url, 2, device, rec.federated.computeUpdate(round, { history: ['item40', 'item42'] }))).status, 202);
    const third = f32Bundle(checkerboardRows(48, 16, 4), itemIds(48), 16, { model_version: 'retrained-3' });
    const busy = await publish(third);
    assert.equal(busy.status, 409);
    assert.equal((await busy.json()).error.code, 'ROUND_IN_PROGRESS');
    assert.equal((await post(url, 2, await register(url), rec.federated.computeUpdate(round, { history: ['item41'] }))).status, 202);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await getJson(url, '/v1/round')).base_version, 'retrained-2.fed2', 'aggregated versions are named after the published model');
  } finally {
    await server.close();
  }
});

/** A JSON request over HTTPS trusting only `ca`. */
function httpsRequest(url, ca, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('zhixuan serve --tls-cert --tls-key serves HTTPS: a device registers and uploads, plain HTTP is not answered', { skip: !hasOpenssl && 'openssl is not installed' }, async () => {
  const dir = tempDir();
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const modelPath = path.join(dir, 'model.safetensors');
  writeFileSync(modelPath, checkerboardBundle());
  const child = spawn(process.execPath, [CLI, 'serve', '--model', modelPath, '--data', path.join(dir, 'state'), '--port', '0',
    '--aggregation', 'plain', '--operator-token', OPERATOR_TOKEN, '--tls-cert', cert, '--tls-key', key], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]); });
      child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(cert);
    const round = await httpsRequest(`${url}/v1/round`, ca);
    assert.equal(round.status, 200);
    const { token } = (await httpsRequest(`${url}/v1/clients`, ca, { method: 'POST' })).body;
    const rec = await createRecommender({ model: checkerboardBundle() });
    rec.federated.setConsent(true, { epsilonBudget: Infinity });
    const payload = rec.federated.computeUpdate(round.body, { history: ['item1', 'item3'] });
    const upload = await httpsRequest(`${url}/v1/rounds/1/updates`, ca, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: payload,
    });
    assert.equal(upload.status, 202);
    assert.equal((await httpsRequest(`${url}/v1/status`, ca, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).body.accepted, 1);
    // An untrusted certificate is refused by the client; plain HTTP gets no answer from the TLS port.
    await assert.rejects(httpsRequest(`${url}/v1/round`, undefined), /self.signed|unable to verify/i);
    await assert.rejects(fetch(url.replace('https:', 'http:') + '/v1/round'));
  } finally {
    child.kill('SIGKILL');
  }
});

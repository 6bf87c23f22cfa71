// Slow and hostile clients against the aggregation server (limits.js): a body that trickles
// (slowloris) gets 408 and nothing is stored; a body past the limit gets 413 and is not read to
// its end; a flood from one address gets 429; connections past the cap get 503; malformed JSON on
// every JSON endpoint gets a named 4xx. Meanwhile an honest device is served as usual.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecommender } from '../../js/index.js';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { OPERATOR_TOKEN, getJson, getStatus, post, register } from './federated-helpers.js';

async function setup(options = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zx-hostile-'));
  const server = await startAggregationServer({
    modelBytes: checkerboardBundle(), dataDir, port: 0, quorum: 50, clip: 0.5, aggregation: 'plain', operatorToken: OPERATOR_TOKEN,
    bodyTimeoutMs: 400, headersTimeoutMs: 600, ...options,
  });
  const rec = await createRecommender({ model: checkerboardBundle() });
  rec.federated.setConsent(true, { epsilonBudget: Infinity });
  const round = await getJson(server.url, '/v1/round');
  const update = (i) => rec.federated.computeUpdate(round, { history: [`item${i % 12}`, `item${(i + 5) % 12}`] });
  return { server, url: server.url, port: new URL(server.url).port, update };
}

/** A raw socket that writes `head` and then whatever `feed(socket)` writes; resolves with all it read. */
function rawExchange(port, head, feed = () => {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(head);
      feed(socket);
    });
    let text = '';
    socket.on('data', (d) => { text += d; });
    socket.on('close', () => resolve(text));
    socket.on('error', (e) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve(text) : reject(e)));
  });
}

const errorCode = (text) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code;

test('a body that trickles in (slowloris) gets 408 REQUEST_TIMEOUT and nothing is stored; an honest device is served meanwhile', async () => {
  const { server, url, port, update } = await setup();
  try {
    const slowToken = await register(url);
    const body = update(1);
    let timer;
    const slow = rawExchange(port,
      `POST /v1/rounds/1/updates HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${slowToken}\r\ncontent-type: application/octet-stream\r\ncontent-length: ${body.length}\r\n\r\n`,
      (socket) => {
        let sent = 0;
        timer = setInterval(() => { if (sent < body.length - 1 && !socket.destroyed) socket.write(body.subarray(sent, ++sent)); }, 50);
      });
    const honest = await post(url, 1, await register(url), update(2));
    assert.equal(honest.status, 202, 'the honest device is not held up');
    const answer = await slow;
    clearInterval(timer);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.equal(errorCode(answer), 'REQUEST_TIMEOUT');
    const status = await getStatus(url);
    assert.equal(status.accepted, 1, 'only the honest update is counted');
    assert.equal(server.store.updateCount(1), 1, 'and only it is stored');
    // Headers that never finish: Node's header timeout answers 408 and closes.
    const headers = await rawExchange(port, 'GET /v1/round HTTP/1.1\r\nhost: x\r\n');
    assert.match(headers, /^HTTP\/1\.1 408 /);
  } finally {
    await server.close();
  }
});

test('a body past the limit gets 413 TOO_LARGE and the server stops reading it', async () => {
  const { server, url, port, update } = await setup({ bodyTimeoutMs: 5000 });
  try {
    const token = await register(url);
    const limit = server.payloadBytes;
    // Chunked (no content-length): the server only learns the size by reading; it stops at the limit.
    const chunk = Buffer.alloc(64 << 10, 1);
    const total = 64 << 20;
    let written = 0;
    const answer = await rawExchange(port,
      `POST /v1/rounds/1/updates HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n`,
      (socket) => {
        const pump = () => {
          while (written < total && !socket.destroyed) {
            written += chunk.length;
            if (!socket.write(`${chunk.length.toString(16)}\r\n`) || !socket.write(chunk) || !socket.write('\r\n')) return socket.once('drain', pump);
          }
        };
        pump();
      });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.equal(errorCode(answer), 'TOO_LARGE');
    assert.ok(written < total / 2, `the client could write only ${written} of ${total} bytes before the server closed (limit ${limit})`);
    // A declared oversized body is refused before any of it is read.
    const declared = await rawExchange(port,
      `POST /v1/rounds/1/updates HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/octet-stream\r\ncontent-length: ${1 << 30}\r\n\r\n`);
    assert.equal(errorCode(declared), 'TOO_LARGE');
    assert.equal((await post(url, 1, token, update(3))).status, 202, 'the same client is then served');
  } finally {
    await server.close();
  }
});

/** GET `path` from the loopback address `from` (a second address is another client). */
function getFrom(from, port, pathname) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, localAddress: from, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: JSON.parse(text) }));
    }).on('error', reject);
  });
}

test('a flood from one address gets 429 RATE_LIMITED; another address is unaffected', async () => {
  const { server, port } = await setup({ requestsPerIpPerMinute: 20 });
  try {
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await getFrom('127.0.0.2', port, '/v1/round'));
    assert.equal(answers.filter((a) => a.status === 200).length, 20);
    const limited = answers.filter((a) => a.status === 429);
    assert.equal(limited.length, 10);
    assert.equal(limited[0].body.error.code, 'RATE_LIMITED');
    assert.ok(Number(limited[0].headers['retry-after']) > 0);
    assert.equal((await getFrom('127.0.0.1', port, '/v1/round')).status, 200, 'another address is served');
  } finally {
    await server.close();
  }
});

test('connections past the cap get 503 TOO_MANY_CONNECTIONS; served again once they close', async () => {
  const { server, url, port } = await setup({ maxConnections: 8 });
  const idle = [];
  try {
    for (let i = 0; i < 8; i++) {
      idle.push(await new Promise((resolve) => { const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s)); }));
    }
    await new Promise((r) => setTimeout(r, 50));
    const refused = await getFrom('127.0.0.1', port, '/v1/round');
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'TOO_MANY_CONNECTIONS');
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await getFrom('127.0.0.1', port, '/v1/round')).status, 200);
    assert.equal((await getJson(url, '/v1/round')).round_id, 1);
  } finally {
    for (const s of idle) s.destroy();
    await server.close();
  }
});

test('malformed JSON on every JSON endpoint gets a named 4xx; the server keeps serving', async () => {
  const plain = await setup();
  const secure = await setup({ aggregation: 'secure', noiseMultiplier: 1, secure: { minCohort: 3 } });
  try {
    const garbage = ['{"unterminated', 'null', '[1,2]', '\u0000\u00ff', '{"a":' + '['.repeat(100000), ''];
    const cases = [];
    const token = await register(secure.url);
    for (const action of ['advertise', 'shares', 'unmask']) cases.push([secure.url, `/v1/secagg/1/${action}`, { authorization: `Bearer ${token}` }]);
    cases.push([plain.url, '/v1/metrics', { authorization: `Bearer ${await register(plain.url)}` }]);  // a registered client: the body is what is refused
    for (const [url, pathname, headers] of cases) {
      for (const body of garbage) {
        const response = await fetch(`${url}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
        const answer = await response.json();
        assert.ok(response.status >= 400 && response.status < 500, `${pathname} ${JSON.stringify(body.slice(0, 20))}: ${response.status}`);
        assert.match(answer.error.code, /^[A-Z_]{5,}$/, `${pathname}: a named code`);
      }
    }
    // Device and operator endpoints that take no JSON refuse a JSON body by its type.
    const upload = await post(plain.url, 1, await register(plain.url), '{"x":1}', { 'content-type': 'application/json' });
    assert.equal(upload.status, 415);
    assert.equal((await getStatus(plain.url)).round, 1);
    assert.equal((await getStatus(secure.url)).round, 1);
  } finally {
    await plain.server.close();
    await secure.server.close();
  }
});

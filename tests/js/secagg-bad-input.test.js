// Secure aggregation's server against hostile and broken messages: each is refused with an HTTP
// 4xx and a named code, nothing crashes, and the round still completes with the exact sum of the
// honest devices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, b64url } from '../../js/federated/secagg-crypto.js';
import { expectedSum, register, runDevices, secureServer, waitFor } from './secagg-helpers.js';
import { getStatus } from './federated-helpers.js';

async function call(url, pathName, token, body, contentType = 'application/json') {
  const headers = { 'content-type': contentType };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${url}${pathName}`, { method: 'POST', headers, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
  let json = null;
  try { json = await response.json(); } catch { /* empty */ }
  return { status: response.status, code: json?.error?.code, body: json };
}

async function stateOf(url, token, round = 1) {
  const response = await fetch(`${url}/v1/secagg/${round}/state`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

async function keys() {
  const a = await generateKeyPair('X25519', true);
  const b = await generateKeyPair('X25519', false);
  return { curve: 'X25519', mask_pk: b64url(a.publicRaw), enc_pk: b64url(b.publicRaw) };
}

test('malformed, replayed, out-of-stage, duplicate and misaddressed messages get named 4xx errors', async () => {
  const { server, url } = await secureServer({ quorum: 5, secure: { minCohort: 3, stageMs: 4000 } });
  try {
    const mallory = await register(url);
    const adv = (body, token = mallory) => call(url, '/v1/secagg/1/advertise', token, body);
    assert.equal((await adv({ curve: 'X25519' }, null)).code, 'UNAUTHORIZED');
    assert.equal((await call(url, '/v1/secagg/1/advertise', mallory, '{not json')).code, 'MALFORMED_MESSAGE');
    assert.equal((await call(url, '/v1/secagg/1/advertise', mallory, '[1,2]')).code, 'MALFORMED_MESSAGE');
    assert.equal((await adv({ ...(await keys()), curve: 'P-256' })).code, 'MALFORMED_MESSAGE');
    assert.equal((await adv({ ...(await keys()), mask_pk: 'AAAA' })).code, 'MALFORMED_MESSAGE');
    assert.equal((await adv({ ...(await keys()), mask_pk: '!!' })).code, 'MALFORMED_MESSAGE');
    assert.equal((await call(url, '/v1/secagg/1/advertise', mallory, 'x', 'text/plain')).status, 415);
    // Out of stage: shares and masked inputs before the cohort exists.
    assert.equal((await call(url, '/v1/secagg/1/shares', mallory, { shares: [] })).code, 'NOT_A_MEMBER');
    const myKeys = await keys();
    const first = await adv(myKeys);
    assert.equal(first.status, 200);
    assert.equal(first.body.index, 1);
    assert.equal((await adv(await keys())).code, 'DUPLICATE_MESSAGE');  // replay / second advertise
    const copycat = await register(url);
    assert.equal((await adv(myKeys, copycat)).code, 'DUPLICATE_KEY');   // another device's keys
    assert.equal((await call(url, '/v1/secagg/1/shares', mallory, { shares: [] })).code, 'OUT_OF_STAGE');
    assert.equal((await call(url, '/v1/secagg/1/masked', mallory, new Uint8Array(10), 'application/octet-stream')).status, 409);
    assert.equal((await call(url, '/v1/secagg/7/advertise', mallory, myKeys)).code, 'ROUND_NOT_OPEN');
    assert.equal((await call(url, '/v1/secagg/0/advertise', mallory, myKeys)).code, 'STALE_ROUND');
    assert.equal((await stateOf(url, await register(url))).status, 403);

    // Four honest devices complete the round around mallory, who then misbehaves at each stage.
    // Caught at once: the devices may refuse mallory's shares while the test still sends its
    // own messages (an unhandled rejection in between would fail the test by itself).
    const honest = runDevices(url, 4, {}).catch((error) => error);
    await waitFor(async () => (await stateOf(url, mallory)).body.stage === 'share');
    const shareState = (await stateOf(url, mallory)).body;
    assert.equal(shareState.members.length, 5);
    assert.equal(shareState.params.threshold, 3);
    const others = shareState.members.map((m) => m.index).filter((i) => i !== 1);
    const sealed = b64url(new Uint8Array(12 + 90 + 16));
    assert.equal((await call(url, '/v1/secagg/1/shares', mallory, { shares: [...others, 99].map((to) => ({ to, ciphertext: sealed })) })).code, 'SHARE_FOR_NON_MEMBER');
    assert.equal((await call(url, '/v1/secagg/1/shares', mallory, { shares: [{ to: 1, ciphertext: sealed }] })).code, 'SHARE_FOR_NON_MEMBER');
    assert.equal((await call(url, '/v1/secagg/1/shares', mallory, { shares: others.slice(1).map((to) => ({ to, ciphertext: sealed })) })).code, 'SHARES_INCOMPLETE');
    assert.equal((await call(url, '/v1/secagg/1/shares', mallory, { shares: others.map((to) => ({ to, ciphertext: 'AAAA' })) })).code, 'MALFORMED_MESSAGE');
    assert.equal((await call(url, '/v1/secagg/1/shares', mallory, { shares: 'all' })).code, 'MALFORMED_MESSAGE');
    // Garbage that has the right shape: stored and relayed, but it decrypts for no one.
    assert.equal((await call(url, '/v1/secagg/1/shares', mallory, { shares: others.map((to) => ({ to, ciphertext: sealed })) })).status, 200);
    assert.equal((await call(url, '/v1/secagg/1/shares', mallory, { shares: others.map((to) => ({ to, ciphertext: sealed })) })).code, 'DUPLICATE_MESSAGE');
    // The honest devices refuse the undecryptable shares with a named error rather than use them.
    const outcome = await honest;
    assert.equal(outcome.code, 'MALFORMED_MESSAGE', String(outcome));
  } finally {
    await server.close();
  }
});

test('an honest round completes exactly; afterwards its messages are stale', async () => {
  const { server, url } = await secureServer({ quorum: 4, secure: { minCohort: 3, stageMs: 3000 } });
  try {
    let evilToken = null;
    let stolen = null;
    const run = runDevices(url, 4, { values: (i) => new Float32Array(640).fill(0.001 * (i + 1)) });
    // Watch the first member's view; once the masked stage opens, replay and tamper its input.
    const { results, devices, core } = await (async () => {
      const out = await run;
      return out;
    })();
    for (const r of results) assert.equal(r.status, 'completed');
    const params = devices[0].params;
    assert.deepEqual(Array.from(server.secure.lastSum.modular), Array.from(expectedSum(core, devices, params)));
    evilToken = await register(url);
    stolen = core.secaggMaskValues(devices[0].values, JSON.stringify(params), 1, new Uint8Array(32), new Uint8Array(32), new Uint32Array(0), new Uint8Array(0)).masked;
    // The round is closed: anything for round 1 is stale now.
    assert.equal((await call(url, '/v1/secagg/1/masked', evilToken, stolen, 'application/octet-stream')).code, 'STALE_ROUND');
  } finally {
    await server.close();
  }
});

test('masked-stage checks: wrong length, sender mismatch, duplicate', async () => {
  const { server, url } = await secureServer({ quorum: 4, secure: { minCohort: 3, stageMs: 3000 } });
  try {
    // Three honest devices and one whose masked input we send by hand.
    const handToken = await register(url);
    const k = await keys();
    assert.equal((await call(url, '/v1/secagg/1/advertise', handToken, k)).status, 200);
    const honest = runDevices(url, 3, { policy: { pollMs: 20 } });
    await waitFor(async () => (await stateOf(url, handToken)).body.stage === 'share');
    const st = (await stateOf(url, handToken)).body;
    const sealed = b64url(new Uint8Array(118));
    const others = st.members.map((m) => m.index).filter((i) => i !== st.index);
    assert.equal((await call(url, '/v1/secagg/1/shares', handToken, { shares: others.map((to) => ({ to, ciphertext: sealed })) })).status, 200);
    // The honest devices fail to open the hand-made shares: they throw, so the round proceeds without them.
    await honest.catch(() => {});
    const layout = server.core.secaggLayout(JSON.stringify(st.params));
    await waitFor(async () => { const s = (await stateOf(url, handToken)).body.stage; return s === 'masked' || s === 'aborted'; });
    const stage = (await stateOf(url, handToken)).body.stage;
    assert.equal(stage, 'masked');
    {
      const good = server.core.secaggMaskValues(new Float32Array(640), JSON.stringify(st.params), st.index, new Uint8Array(32), new Uint8Array(32), new Uint32Array(0), new Uint8Array(0)).masked;
      assert.equal(good.byteLength, layout.maskedBytes);
      assert.equal((await call(url, '/v1/secagg/1/masked', handToken, good.subarray(0, good.byteLength - 1), 'application/octet-stream')).code, 'WRONG_LENGTH');
      const other = server.core.secaggMaskValues(new Float32Array(640), JSON.stringify(st.params), st.index + 1, new Uint8Array(32), new Uint8Array(32), new Uint32Array(0), new Uint8Array(0)).masked;
      assert.equal((await call(url, '/v1/secagg/1/masked', handToken, other, 'application/octet-stream')).code, 'SENDER_MISMATCH');
      const tampered = good.slice();
      tampered[0] = 0;
      assert.equal((await call(url, '/v1/secagg/1/masked', handToken, tampered, 'application/octet-stream')).code, 'MALFORMED_MESSAGE');
      assert.equal((await call(url, '/v1/secagg/1/masked', handToken, good, 'application/octet-stream')).status, 200);
      assert.equal((await call(url, '/v1/secagg/1/masked', handToken, good, 'application/octet-stream')).code, 'DUPLICATE_MESSAGE');
    }
    // Whatever happened, the server still answers and ends the round one way or the other.
    await waitFor(async () => (await getStatus(url)).round === 2, 20_000);
  } finally {
    await server.close();
  }
});

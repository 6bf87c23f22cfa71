// Small HTTP client of the load and crash tools: one fresh connection per request (every device
// is its own client), the answer's status and JSON body, the time to it.
import http from 'node:http';

/** {status, body, ms}; rejects on a connection error (a killed server). */
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const ms = performance.now() - started;
        const raw = Buffer.concat(chunks);
        let json = null;
        try { json = JSON.parse(raw.toString('utf8')); } catch { json = raw; }
        resolve({ status: res.statusCode, body: json, headers: res.headers, ms });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const upload = (base, round, token, payload) => request(`${base}/v1/rounds/${round}/updates`, {
  method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: payload,
});

export const operatorGet = (base, path, token) => request(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

export async function registerDevices(base, n, concurrency = 32) {
  const tokens = [];
  for (let i = 0; i < n; i += concurrency) {
    const batch = await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, () => request(`${base}/v1/clients`, { method: 'POST' })));
    for (const r of batch) {
      if (r.status !== 201) throw new Error(`registration answered ${r.status}: ${JSON.stringify(r.body)}`);
      tokens.push(r.body.token);
    }
  }
  return tokens;
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// The server's transport and its limits against slow and hostile clients (issue 17):
// - HTTP or HTTPS (node:https with tlsCert/tlsKey files);
// - a request body must arrive whole within bodyTimeoutMs (slowloris: 408 REQUEST_TIMEOUT) and is
//   not read past its limit (413 TOO_LARGE): both answer with Connection: close and the socket is
//   closed once the answer is out, so the rest of the body is never buffered;
// - headers within headersTimeoutMs (Node answers 408 itself);
// - at most maxConnections sockets are served at once: the next ones get 503
//   TOO_MANY_CONNECTIONS and are closed; beyond twice the cap Node drops them unanswered.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { HttpError } from './http-error.js';

export const LIMIT_DEFAULTS = Object.freeze({
  maxConnections: 4096,
  bodyTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
});

export function checkLimits(o) {
  for (const key of ['maxConnections', 'bodyTimeoutMs', 'headersTimeoutMs'])
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new TypeError(`${key} must be an integer >= 1`);
  if (!!o.tlsCert !== !!o.tlsKey) throw new TypeError('HTTPS needs both tlsCert and tlsKey');
}

/** Reads a body of at most maxBytes that must arrive within timeoutMs; resolves with its bytes. */
export function bodyReader(timeoutMs) {
  return (req, maxBytes) => new Promise((resolve, reject) => {
    const close = { connection: 'close' };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new HttpError(413, 'TOO_LARGE', `body of ${declared} bytes exceeds the limit of ${maxBytes}`, close));
      return;
    }
    const chunks = [];
    let size = 0;
    let settled = false;
    const finish = (error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      if (error) {
        req.pause();
        reject(error);
      } else {
        resolve(value);
      }
    };
    const timer = setTimeout(() => finish(new HttpError(408, 'REQUEST_TIMEOUT', `the body did not arrive within ${timeoutMs} ms`, close)), timeoutMs);
    const onData = (chunk) => {
      size += chunk.length;
      if (size > maxBytes) finish(new HttpError(413, 'TOO_LARGE', `body exceeds the limit of ${maxBytes} bytes`, close));
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish(null, new Uint8Array(Buffer.concat(chunks))));
    req.on('error', (error) => finish(error));
    req.on('aborted', () => finish(new HttpError(400, 'ABORTED', 'the client went away')));
  });
}

/** After an answer that said Connection: close, closes the socket (the unread body is dropped). */
export function closeAfter(res) {
  res.once('finish', () => setImmediate(() => res.socket?.destroy()));
}

/**
 * The listening server: `handle(req, res)` for admitted requests, `refuse(res, HttpError)` to answer
 * one over the connection cap (and close its socket: closeAfter).
 */
export function createTransport(o, handle, refuse) {
  const serverOptions = {
    requestTimeout: o.bodyTimeoutMs + o.headersTimeoutMs,  // Node's backstop behind bodyReader
    headersTimeout: o.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, o.headersTimeoutMs),
  };
  let open = 0;
  const listener = (req, res) => {
    if (req.socket.zxOverCap) {  // refuse answers with Connection: close and closes the socket
      return refuse(res, new HttpError(503, 'TOO_MANY_CONNECTIONS', `the server serves at most ${o.maxConnections} connections at once: retry later`, { connection: 'close', 'retry-after': 1 }));
    }
    return handle(req, res);
  };
  const server = o.tlsCert
    ? https.createServer({ ...serverOptions, cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) }, listener)
    : http.createServer(serverOptions, listener);
  server.maxConnections = 2 * o.maxConnections;
  server.on(o.tlsCert ? 'secureConnection' : 'connection', (socket) => {
    if (open >= o.maxConnections) socket.zxOverCap = true;
    open++;
    socket.once('close', () => { open--; });
  });
  server.zxScheme = o.tlsCert ? 'https' : 'http';
  return server;
}

// Operator actions (operator token, access.js):
//   POST /v1/models   a new model bundle (application/octet-stream): validated by the core the
//                     devices run, stored, and made the base of a fresh round at once -> 201
//                     {model_version, round}. Only while the open round holds no update (409
//                     ROUND_IN_PROGRESS otherwise: publishing must not drop acknowledged updates),
//                     400 INVALID_MODEL, 409 MODEL_VERSION_EXISTS, 413 past --max-model-bytes.
// The switch is one transaction: the empty round closes (accepted 0, next_version the new model),
// the model is stored, the next round opens on it; a crash leaves the old round or the new one.
import { requireOperator } from './access.js';
import { HttpError } from './http-error.js';

export const MAX_MODEL_BYTES = 256 << 20;

/** Routes operator actions; false when the path is not one. */
export async function handleOperator(server, req, res, url, send) {
  if (url.pathname !== '/v1/models') return false;
  if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`);
  requireOperator(req, server.operatorToken);
  if ((req.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/octet-stream') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'a model bundle is application/octet-stream', { connection: 'close' });
  }
  const bytes = await server.readBody(req, server.options.maxModelBytes ?? MAX_MODEL_BYTES);
  let info;
  try {
    info = server._modelInfo(bytes);
  } catch (error) {
    throw new HttpError(400, 'INVALID_MODEL', error.message);
  }
  const version = info.modelVersion;
  if (server.store.model(version)) throw new HttpError(409, 'MODEL_VERSION_EXISTS', `model version '${version}' was already published`);
  publishModel(server, version, bytes, info.items);
  send(res, 201, { model_version: version, round: server.roundRow.id });
  return true;
}

function publishModel(server, version, bytes, items) {
  const open = server.roundRow.id;
  const busy = server.secure ? server.secure.store.memberCount(open) : server.store.updateCount(open);
  if (busy > 0) {
    throw new HttpError(409, 'ROUND_IN_PROGRESS', `round ${open} already holds ${busy} ${server.secure ? 'members' : 'updates'}: publish once it closes`);
  }
  const previous = { model: server.model, rootVersion: server.rootVersion };
  server.model = { version, bytes, items };
  server.rootVersion = version;  // aggregated versions are named after it: V.fedN
  try {
    const config = server._roundConfig(open + 1);
    server.store.db.transaction(() => {
      server.store.db.prepare("UPDATE rounds SET state = 'closed', closed_at = ?, accepted = 0, next_version = ? WHERE id = ? AND state = 'open'")
        .run(Date.now(), version, open);
      server.store.addModel(version, bytes);
      server.store.insertRound(open + 1, version, JSON.stringify(config), Date.now() + server.options.deadlineMs);
    })();
  } catch (error) {
    server.model = previous.model;
    server.rootVersion = previous.rootVersion;
    throw error;
  }
  server._openRoundFromStore();
  server.secure?._afterClose();
  server.log(`model ${version} published by the operator: round ${open + 1} opens on it`);
}

// The server's one error type: an HTTP status, a named code and a message, sent as
// {error: {code, message}} (server.js `_handle`).
export class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** SQLite's "disk full" (better-sqlite3 error codes) as a named 507: nothing was stored. */
export function storageError(error) {
  const code = typeof error?.code === 'string' ? error.code : '';
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || error?.code === 'ENOSPC') {
    return new HttpError(507, 'STORAGE_FULL', 'the server cannot store this now (its disk is full); nothing was stored: retry later', { 'retry-after': 60 });
  }
  return null;
}

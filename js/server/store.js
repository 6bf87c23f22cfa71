// Durable server state in SQLite (better-sqlite3@12, WAL, synchronous=FULL): models, rounds,
// registered clients and the updates of every round. An update is committed here before the
// server acknowledges it; a round's close (new model + closed round + next round) is one
// transaction, so a crash at any point leaves either the old round with all its updates or
// the new model with the next round, never both or neither.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { faultPoint } from './faults.js';
import { storageError } from './http-error.js';

const require = createRequire(import.meta.url);

function openDatabase(file) {
  let Database;
  try {
    Database = require('better-sqlite3');
  } catch (error) {
    throw new Error(`the aggregation server needs better-sqlite3@12 (npm install better-sqlite3@12): ${error.message}`);
  }
  return new Database(file);
}

export class Store {
  constructor(dataDir) {
    mkdirSync(dataDir, { recursive: true });
    this.db = openDatabase(path.join(dataDir, 'zhixuan-server.sqlite'));
    try {
      this._open();
    } catch (error) {
      this.db.close();
      // WAL needs its shared-memory file: a full disk stops the start (a running server refuses
      // only the writes, server.js answers 507).
      if (storageError(error)) throw new Error(`the disk under ${dataDir} is full (${error.code}): free some space and start again; nothing stored is lost`);
      throw error;
    }
  }

  _open() {
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');  // a commit survives power loss, not only a process crash
    this.db.pragma('foreign_keys = ON');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS models (
        seq INTEGER PRIMARY KEY, version TEXT NOT NULL UNIQUE, bytes BLOB NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS rounds (
        id INTEGER PRIMARY KEY, base_version TEXT NOT NULL, config TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open', 'closed')), opened_at INTEGER NOT NULL,
        deadline_at INTEGER NOT NULL, closed_at INTEGER, accepted INTEGER, next_version TEXT);
      CREATE TABLE IF NOT EXISTS clients (token TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS updates (
        round_id INTEGER NOT NULL REFERENCES rounds(id), client_token TEXT NOT NULL REFERENCES clients(token),
        nonce TEXT NOT NULL UNIQUE, payload BLOB NOT NULL, received_at INTEGER NOT NULL,
        PRIMARY KEY (round_id, client_token));
    `);
    this._insertUpdate = this.db.prepare(
      'INSERT INTO updates (round_id, client_token, nonce, payload, received_at) VALUES (?, ?, ?, ?, ?)');
  }

  close() { this.db.close(); }

  currentModel() { return this.db.prepare('SELECT seq, version, bytes FROM models ORDER BY seq DESC LIMIT 1').get(); }
  model(version) { return this.db.prepare('SELECT seq, version, bytes FROM models WHERE version = ?').get(version); }
  modelCount() { return this.db.prepare('SELECT COUNT(*) AS n FROM models').get().n; }
  addModel(version, bytes) {
    this.db.prepare('INSERT INTO models (version, bytes, created_at) VALUES (?, ?, ?)').run(version, bytes, Date.now());
  }

  openRound() { return this.db.prepare("SELECT * FROM rounds WHERE state = 'open' ORDER BY id DESC LIMIT 1").get(); }
  lastClosedRound() { return this.db.prepare("SELECT id, accepted, next_version FROM rounds WHERE state = 'closed' ORDER BY id DESC LIMIT 1").get(); }
  closedRounds() { return this.db.prepare("SELECT COUNT(*) AS n FROM rounds WHERE state = 'closed'").get().n; }
  lastRoundId() { return this.db.prepare('SELECT MAX(id) AS id FROM rounds').get().id ?? 0; }
  insertRound(id, baseVersion, config, deadlineAt) {
    this.db.prepare("INSERT INTO rounds (id, base_version, config, state, opened_at, deadline_at) VALUES (?, ?, ?, 'open', ?, ?)")
      .run(id, baseVersion, config, Date.now(), deadlineAt);
  }
  extendDeadline(id, deadlineAt) { this.db.prepare('UPDATE rounds SET deadline_at = ? WHERE id = ?').run(deadlineAt, id); }

  registerClient(token) { this.db.prepare('INSERT INTO clients (token, created_at) VALUES (?, ?)').run(token, Date.now()); }
  hasClient(token) { return !!this.db.prepare('SELECT 1 FROM clients WHERE token = ?').get(token); }
  clientCount() { return this.db.prepare('SELECT COUNT(*) AS n FROM clients').get().n; }

  hasUpdate(roundId, token) { return !!this.db.prepare('SELECT 1 FROM updates WHERE round_id = ? AND client_token = ?').get(roundId, token); }
  hasNonce(nonce) { return !!this.db.prepare('SELECT 1 FROM updates WHERE nonce = ?').get(nonce); }
  /** Commits one update (durable on return). Throws on a duplicate (round, client) or nonce. */
  addUpdate(roundId, token, nonce, payload) { this._insertUpdate.run(roundId, token, nonce, payload, Date.now()); }
  updates(roundId) { return this.db.prepare('SELECT client_token, nonce, payload FROM updates WHERE round_id = ? ORDER BY rowid').all(roundId); }
  updateCount(roundId) { return this.db.prepare('SELECT COUNT(*) AS n FROM updates WHERE round_id = ?').get(roundId).n; }

  /** Atomically: store the next model, close the round (dropping its updates), open the next one. */
  closeRound({ roundId, accepted, nextVersion, modelBytes, nextRound }) {
    this.db.transaction(() => {
      this.addModel(nextVersion, modelBytes);
      faultPoint('close:in-transaction');
      this.db.prepare("UPDATE rounds SET state = 'closed', closed_at = ?, accepted = ?, next_version = ? WHERE id = ? AND state = 'open'")
        .run(Date.now(), accepted, nextVersion, roundId);
      // Individual updates are not kept once summed (a stale replay fails on its round id).
      this.db.prepare('DELETE FROM updates WHERE round_id = ?').run(roundId);
      // Keep the first model and the newest few (clients on an older version re-fetch anyway).
      this.db.prepare('DELETE FROM models WHERE seq > (SELECT MIN(seq) FROM models) AND seq <= (SELECT MAX(seq) FROM models) - 8').run();
      this.insertRound(nextRound.id, nextVersion, nextRound.config, nextRound.deadlineAt);
    })();
  }
}

// Durable state of secure-aggregation rounds, in the server's SQLite (the Store's database: WAL,
// synchronous=FULL). One transaction per state change: a stored message and its stage's
// completion, or a stage transition with the member set it fixes (U1, U2, U3). After a kill -9 the
// server resumes from these tables; the survivor list U3 is committed before any unmask message
// is accepted, so no restart can ask a device for both shares of one peer.
//
// Only what the protocol needs is kept, and only while the round runs: public keys, encrypted
// shares (the server cannot open them), masked inputs (uniformly random without the masks) and the
// unmask answers (self-mask shares of survivors, key shares of dropouts). A round's rows are
// deleted in the transaction that closes it.
// `tables` names the tables' prefix: 'secagg' for the model rounds, 'secagg_metrics' for the
// metrics rounds (their own round ids).
export class SecAggStore {
  constructor(db, tables = 'secagg') {
    if (!/^[a-z_]+$/.test(tables)) throw new TypeError('tables must be a lower-case SQL name');
    this.db = db;
    this.sql = (text) => db.prepare(text.replaceAll('secagg_', `${tables}_`));
    db.exec(`
      CREATE TABLE IF NOT EXISTS secagg_rounds (
        id INTEGER PRIMARY KEY, stage TEXT NOT NULL CHECK (stage IN ('advertise','share','masked','unmask','done','aborted')),
        stage_deadline INTEGER NOT NULL, params TEXT, shared TEXT, survivors TEXT, outcome TEXT, updated_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS secagg_members (
        round_id INTEGER NOT NULL, idx INTEGER NOT NULL, token TEXT NOT NULL, mask_pk TEXT NOT NULL, enc_pk TEXT NOT NULL,
        PRIMARY KEY (round_id, idx), UNIQUE (round_id, token), UNIQUE (round_id, mask_pk), UNIQUE (round_id, enc_pk));
      CREATE TABLE IF NOT EXISTS secagg_shares (
        round_id INTEGER NOT NULL, from_idx INTEGER NOT NULL, to_idx INTEGER NOT NULL, ciphertext TEXT NOT NULL,
        PRIMARY KEY (round_id, from_idx, to_idx));
      CREATE TABLE IF NOT EXISTS secagg_masked (
        round_id INTEGER NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (round_id, idx));
      CREATE TABLE IF NOT EXISTS secagg_unmask (
        round_id INTEGER NOT NULL, from_idx INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (round_id, from_idx));
    `.replaceAll('secagg_', `${tables}_`));
  }

  round(id) { return this.sql('SELECT * FROM secagg_rounds WHERE id = ?').get(id); }
  insertRound(id, deadline) {
    this.sql("INSERT OR IGNORE INTO secagg_rounds (id, stage, stage_deadline, updated_at) VALUES (?, 'advertise', ?, ?)").run(id, deadline, Date.now());
  }
  setStage(id, stage, deadline, fields = {}) {
    const sets = ['stage = @stage', 'stage_deadline = @deadline', 'updated_at = @now'];
    for (const key of Object.keys(fields)) sets.push(`${key} = @${key}`);
    this.sql(`UPDATE secagg_rounds SET ${sets.join(', ')} WHERE id = @id`).run({ id, stage, deadline, now: Date.now(), ...fields });
  }
  extendDeadline(id, deadline) { this.sql('UPDATE secagg_rounds SET stage_deadline = ? WHERE id = ?').run(deadline, id); }

  members(id) { return this.sql('SELECT idx, token, mask_pk, enc_pk FROM secagg_members WHERE round_id = ? ORDER BY idx').all(id); }
  member(id, token) { return this.sql('SELECT idx, token, mask_pk, enc_pk FROM secagg_members WHERE round_id = ? AND token = ?').get(id, token); }
  memberCount(id) { return this.sql('SELECT COUNT(*) AS n FROM secagg_members WHERE round_id = ?').get(id).n; }
  hasKey(id, key) { return !!this.sql('SELECT 1 FROM secagg_members WHERE round_id = ? AND (mask_pk = ? OR enc_pk = ?)').get(id, key, key); }
  addMember(id, token, maskPk, encPk) {
    return this.db.transaction(() => {
      const idx = (this.sql('SELECT MAX(idx) AS m FROM secagg_members WHERE round_id = ?').get(id).m ?? 0) + 1;
      this.sql('INSERT INTO secagg_members (round_id, idx, token, mask_pk, enc_pk) VALUES (?, ?, ?, ?, ?)').run(id, idx, token, maskPk, encPk);
      return idx;
    })();
  }

  hasShares(id, from) { return !!this.sql('SELECT 1 FROM secagg_shares WHERE round_id = ? AND from_idx = ?').get(id, from); }
  addShares(id, from, shares) {
    const insert = this.sql('INSERT INTO secagg_shares (round_id, from_idx, to_idx, ciphertext) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => { for (const s of shares) insert.run(id, from, s.to, s.ciphertext); })();
  }
  shareSenders(id) { return this.sql('SELECT DISTINCT from_idx FROM secagg_shares WHERE round_id = ? ORDER BY from_idx').all(id).map((r) => r.from_idx); }
  inbox(id, to, senders) {
    const rows = this.sql('SELECT from_idx, ciphertext FROM secagg_shares WHERE round_id = ? AND to_idx = ? ORDER BY from_idx').all(id, to);
    return rows.filter((r) => senders.includes(r.from_idx)).map((r) => ({ from: r.from_idx, ciphertext: r.ciphertext }));
  }

  hasMasked(id, idx) { return !!this.sql('SELECT 1 FROM secagg_masked WHERE round_id = ? AND idx = ?').get(id, idx); }
  addMasked(id, idx, bytes) { this.sql('INSERT INTO secagg_masked (round_id, idx, bytes) VALUES (?, ?, ?)').run(id, idx, bytes); }
  maskedSenders(id) { return this.sql('SELECT idx FROM secagg_masked WHERE round_id = ? ORDER BY idx').all(id).map((r) => r.idx); }
  /** One stored masked input at a time (the unmasking streams them: 900 inputs are ~0.7 GB). */
  maskedOf(id, idx) { return this.sql('SELECT bytes FROM secagg_masked WHERE round_id = ? AND idx = ?').get(id, idx).bytes; }

  hasUnmask(id, from) { return !!this.sql('SELECT 1 FROM secagg_unmask WHERE round_id = ? AND from_idx = ?').get(id, from); }
  addUnmask(id, from, body) { this.sql('INSERT INTO secagg_unmask (round_id, from_idx, body) VALUES (?, ?, ?)').run(id, from, body); }
  unmaskAnswers(id) { return this.sql('SELECT from_idx, body FROM secagg_unmask WHERE round_id = ? ORDER BY from_idx').all(id); }

  /** Drops everything a round stored except its outcome (inside the caller's transaction). */
  clearRound(id, stage, outcome) {
    for (const table of ['secagg_members', 'secagg_shares', 'secagg_masked', 'secagg_unmask']) this.sql(`DELETE FROM ${table} WHERE round_id = ?`).run(id);
    this.sql('UPDATE secagg_rounds SET stage = ?, outcome = ?, params = NULL, shared = NULL, survivors = NULL, updated_at = ? WHERE id = ?')
      .run(stage, JSON.stringify(outcome), Date.now(), id);
  }
}

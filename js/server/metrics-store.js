// The ops tables in the server's SQLite (the same database as store.js): experiments files as
// shipped, and the summed device-day metric vectors per (file version, day, cell). A report (one
// device, local noise) or a cohort sum (a secure metrics round: metrics-rounds.js) is added in one
// transaction: either every cell of it counts or none does. `reports` counts device-days either way;
// `noise_var` is the variance of the noise in `sums` (per report sigma^2, per cohort its distributed
// noise and rounding). Extra blocks of a cohort (assistant topics, slot arms) go to metric_extras.
import { VALUES } from './experiments-stats.js';

export class MetricsStore {
  constructor(db) {
    this.db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS experiments_files (
        seq INTEGER PRIMARY KEY, version TEXT NOT NULL UNIQUE, text TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS metric_cells (
        version TEXT NOT NULL, day INTEGER NOT NULL, experiment TEXT NOT NULL, variant TEXT NOT NULL,
        slot TEXT NOT NULL, channel TEXT NOT NULL, reports INTEGER NOT NULL, sums TEXT NOT NULL, noise_var TEXT NOT NULL,
        PRIMARY KEY (version, day, experiment, variant, slot, channel));
      CREATE TABLE IF NOT EXISTS metric_reports (
        id INTEGER PRIMARY KEY, version TEXT NOT NULL, day INTEGER NOT NULL, received_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS metric_report_clients (
        version TEXT NOT NULL, day INTEGER NOT NULL, client TEXT NOT NULL, PRIMARY KEY (version, day, client));
      CREATE TABLE IF NOT EXISTS metric_cohorts (
        round INTEGER PRIMARY KEY, version TEXT NOT NULL, day INTEGER NOT NULL, devices INTEGER NOT NULL, received_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS metric_extras (
        version TEXT NOT NULL, day INTEGER NOT NULL, block TEXT NOT NULL, key TEXT NOT NULL, reports INTEGER NOT NULL,
        sums TEXT NOT NULL, noise_var TEXT NOT NULL, PRIMARY KEY (version, day, block, key));
    `);
    this._getCell = db.prepare('SELECT reports, sums, noise_var FROM metric_cells WHERE version = ? AND day = ? AND experiment = ? AND variant = ? AND slot = ? AND channel = ?');
    this._putCell = db.prepare(`INSERT INTO metric_cells (version, day, experiment, variant, slot, channel, reports, sums, noise_var)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (version, day, experiment, variant, slot, channel)
      DO UPDATE SET reports = excluded.reports, sums = excluded.sums, noise_var = excluded.noise_var`);
    this._addReport = db.prepare('INSERT INTO metric_reports (version, day, received_at) VALUES (?, ?, ?)');
    this._addReportClient = db.prepare('INSERT OR IGNORE INTO metric_report_clients (version, day, client) VALUES (?, ?, ?)');
    // One local report per client, file version and day (kept apart from the sums and the
    // reports' rows): false, storing nothing, when the client already sent that day.
    this.addReport = db.transaction((version, day, layout, values, sigma, client) => {
      if (this._addReportClient.run(version, day, client).changes === 0) return false;
      this._addCells(version, day, layout, values, (i) => sigma[i % VALUES] ** 2, 1);
      this._addReport.run(version, day, Date.now());
      return true;
    });
    this._getExtra = db.prepare('SELECT reports, sums, noise_var FROM metric_extras WHERE version = ? AND day = ? AND block = ? AND key = ?');
    this._putExtra = db.prepare(`INSERT INTO metric_extras (version, day, block, key, reports, sums, noise_var) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (version, day, block, key) DO UPDATE SET reports = excluded.reports, sums = excluded.sums, noise_var = excluded.noise_var`);
  }

  // Adds `count` device-days of values (layout.length x 13) with noise variance noiseVarAt(i).
  _addCells(version, day, layout, values, noiseVarAt, count) {
    layout.forEach(([experiment, variant, slot, channel], c) => {
      const row = this._getCell.get(version, day, experiment, variant, slot, channel);
      const sums = row ? JSON.parse(row.sums) : new Array(VALUES).fill(0);
      const noiseVar = row ? JSON.parse(row.noise_var) : new Array(VALUES).fill(0);
      for (let j = 0; j < VALUES; j++) {
        sums[j] += values[c * VALUES + j];
        noiseVar[j] += noiseVarAt(c * VALUES + j);
      }
      this._putCell.run(version, day, experiment, variant, slot, channel, (row?.reports ?? 0) + count, JSON.stringify(sums), JSON.stringify(noiseVar));
    });
  }

  /**
   * A secure metrics round's sum (inside the caller's transaction): `devices` device-days, values
   * in the file's units over the file's layout then the extra blocks, noiseVar alike.
   */
  addCohortSum({ version, day, round, layout, values, noiseVar, devices, extras = [] }) {
    this._addCells(version, day, layout, values, (i) => noiseVar[i], devices);
    for (const block of extras) {
      const width = block.fields.length;
      block.keys.forEach((key, k) => {
        const at = block.offset + k * width;
        const row = this._getExtra.get(version, day, block.name, key);
        const sums = row ? JSON.parse(row.sums) : new Array(width).fill(0);
        const nv = row ? JSON.parse(row.noise_var) : new Array(width).fill(0);
        for (let f = 0; f < width; f++) { sums[f] += values[at + f]; nv[f] += noiseVar[at + f]; }
        this._putExtra.run(version, day, block.name, key, (row?.reports ?? 0) + devices, JSON.stringify(sums), JSON.stringify(nv));
      });
    }
    this.db.prepare('INSERT INTO metric_cohorts (round, version, day, devices, received_at) VALUES (?, ?, ?, ?, ?)').run(round, version, day, devices, Date.now());
  }

  /** One extra block's sums of a file version: [{day, key, reports, sums[], noiseVar[]}]. */
  extras(version, block) {
    return this.db.prepare('SELECT day, key, reports, sums, noise_var FROM metric_extras WHERE version = ? AND block = ? ORDER BY day, key')
      .all(version, block).map((r) => ({ day: r.day, key: r.key, reports: r.reports, sums: JSON.parse(r.sums), noiseVar: JSON.parse(r.noise_var) }));
  }

  /** The secure rounds whose cohort sums a file version holds so far (their ids, in order). */
  cohortRounds(version) {
    return this.db.prepare('SELECT round FROM metric_cohorts WHERE version = ? ORDER BY round').all(version).map((r) => r.round);
  }

  /** Device-days by transport: {local: reports noised on the device, secure: devices in cohort sums, cohorts}. */
  transportCounts(version) {
    const secure = this.db.prepare('SELECT COUNT(*) AS cohorts, COALESCE(SUM(devices), 0) AS devices FROM metric_cohorts WHERE version = ?').get(version);
    return { local: this.db.prepare('SELECT COUNT(*) AS n FROM metric_reports WHERE version = ?').get(version).n, secure: secure.devices, cohorts: secure.cohorts };
  }

  addExperimentsFile(version, text) {
    this.db.prepare('INSERT INTO experiments_files (version, text, created_at) VALUES (?, ?, ?) ON CONFLICT (version) DO NOTHING').run(version, text, Date.now());
  }

  currentExperimentsFile() { return this.db.prepare('SELECT version, text, created_at FROM experiments_files ORDER BY seq DESC LIMIT 1').get(); }
  experimentsFile(version) { return this.db.prepare('SELECT version, text FROM experiments_files WHERE version = ?').get(version); }

  /** Every cell row of one file version: {day, experiment, variant, slot, channel, reports, sums[], noiseVar[]}. */
  cells(version) {
    return this.db.prepare('SELECT day, experiment, variant, slot, channel, reports, sums, noise_var FROM metric_cells WHERE version = ? ORDER BY day')
      .all(version).map((r) => ({ ...r, sums: JSON.parse(r.sums), noiseVar: JSON.parse(r.noise_var), noise_var: undefined }));
  }

  /** Device-days counted, both transports. */
  reportCount(version) {
    const t = this.transportCounts(version);
    return t.local + t.secure;
  }
}

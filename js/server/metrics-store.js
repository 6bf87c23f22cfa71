// The ops tables in the server's SQLite (the same database as store.js): experiments files as
// shipped, and the summed device-day metric vectors per (file version, day, cell). A report is
// added in one transaction: either every cell of it counts or none does.
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
    `);
    this._getCell = db.prepare('SELECT reports, sums, noise_var FROM metric_cells WHERE version = ? AND day = ? AND experiment = ? AND variant = ? AND slot = ? AND channel = ?');
    this._putCell = db.prepare(`INSERT INTO metric_cells (version, day, experiment, variant, slot, channel, reports, sums, noise_var)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (version, day, experiment, variant, slot, channel)
      DO UPDATE SET reports = excluded.reports, sums = excluded.sums, noise_var = excluded.noise_var`);
    this._addReport = db.prepare('INSERT INTO metric_reports (version, day, received_at) VALUES (?, ?, ?)');
    this.addReport = db.transaction((version, day, layout, values, sigma) => {
      layout.forEach(([experiment, variant, slot, channel], c) => {
        const row = this._getCell.get(version, day, experiment, variant, slot, channel);
        const sums = row ? JSON.parse(row.sums) : new Array(VALUES).fill(0);
        const noiseVar = row ? JSON.parse(row.noise_var) : new Array(VALUES).fill(0);
        for (let j = 0; j < VALUES; j++) {
          sums[j] += values[c * VALUES + j];
          noiseVar[j] += sigma[j] * sigma[j];
        }
        this._putCell.run(version, day, experiment, variant, slot, channel, (row?.reports ?? 0) + 1, JSON.stringify(sums), JSON.stringify(noiseVar));
      });
      this._addReport.run(version, day, Date.now());
    });
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

  reportCount(version) { return this.db.prepare('SELECT COUNT(*) AS n FROM metric_reports WHERE version = ?').get(version).n; }
}

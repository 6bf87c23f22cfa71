// A public implicit-feedback data set for `zhixuan train --tune` (bench/tune-eval.mjs): the UCI
// Online Retail data set (Chen, Sain and Guo, 2012; UCI Machine Learning Repository id 352,
// licensed CC BY 4.0), the purchases of a UK online shop from 2010-12-01 to 2011-12-09. Read from
// its CSV form with the header InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,
// CustomerID,Country: one file or a folder of them (e.g. the per-day files of the
// Spark-The-Definitive-Guide repository, data/retail-data/by-day). Never committed.
//
// Positives: a customer bought a product (CustomerID given, Quantity > 0, not a cancellation:
// InvoiceNo not starting with C, StockCode starting with a digit: POST, DOT, M, BANK CHARGES and
// the like are fees, not products). Then the split of EVALUATION.md (lib/protocol-split.mjs).
//
//   node bench/online-retail-data.mjs RETAIL_CSV_OR_DIR OUT_DIR
import fs from 'node:fs';
import path from 'node:path';
import { writeProtocolSplit } from './lib/protocol-split.mjs';

const [source, out] = process.argv.slice(2);
if (!source || !out || !fs.existsSync(source)) {
  console.error('usage: node bench/online-retail-data.mjs RETAIL_CSV_OR_DIR OUT_DIR');
  process.exit(2);
}
const files = fs.statSync(source).isDirectory()
  ? fs.readdirSync(source).filter((f) => f.endsWith('.csv')).sort().map((f) => path.join(source, f)) : [source];

function fields(line) {  // CSV with quoted fields (descriptions hold commas)
  const out = [];
  let field = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(field), (field = '');
    else field += c;
  }
  out.push(field);
  return out;
}

const byUser = new Map();
let rows = 0, kept = 0;
for (const file of files) {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  const header = fields(lines[0]);
  const col = (name) => {
    const at = header.indexOf(name);
    if (at < 0) throw new Error(`${file}: no column ${name} in the header`);
    return at;
  };
  const [invoice, stock, quantity, customer] = ['InvoiceNo', 'StockCode', 'Quantity', 'CustomerID'].map(col);
  for (const line of lines.slice(1)) {
    if (!line) continue;
    rows++;
    const f = fields(line);
    const user = f[customer].replace(/\.0$/, '');
    if (!user || f[invoice].startsWith('C') || !(Number(f[quantity]) > 0) || !/^[0-9]/.test(f[stock])) continue;
    kept++;
    const items = byUser.get(user) ?? byUser.set(user, new Set()).get(user);
    items.add(f[stock].toUpperCase());
  }
}
for (const [user, items] of byUser) byUser.set(user, [...items]);
const positives = [...byUser.values()].reduce((n, items) => n + items.length, 0);
const split = writeProtocolSplit(out, byUser);
console.log(`${out}: ${files.length} file(s), ${rows} rows, ${kept} purchases -> ${positives} distinct positives of ` +
  `${byUser.size} customers; train ${split.trainUsers} users, ${split.trainItems} items, ${split.trainRows} rows; ` +
  `${split.heldOut} test users`);

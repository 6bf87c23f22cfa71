// Runs inside a fresh project that installed the packed tarball: `npx zhixuan train | recommend
// | eval | convert` as a user of the package runs them, with no clone and no native build, so
// through the wasm CLI the package ships (dist/zhixuan-cli.cjs). Checks what each writes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRecommender } from 'zhixuan';

assert.ok(!existsSync('node_modules/zhixuan/build'), 'an installed package has no native build');
const env = { ...process.env, ZHIXUAN_CLI: 'wasm' };
function zhixuan(...args) {
  const run = spawnSync('npx', ['--no', 'zhixuan', ...args], { env, encoding: 'utf8' });
  assert.equal(run.error, undefined, String(run.error));
  return run;
}
function ok(...args) {
  const run = zhixuan(...args);
  assert.equal(run.status, 0, `zhixuan ${args.join(' ')} exited ${run.status}:\n${run.stderr}`);
  return run;
}

// 90 users in 3 taste clusters over 45 items, 30 held-out users of the same clusters (LCG).
let state = 4242;
const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
const basket = (cluster) => {
  const items = new Set();
  while (items.size < 6 + Math.floor(next() * 6)) items.add(`c${next() < 0.9 ? cluster * 15 + Math.floor(next() * 15) : Math.floor(next() * 45)}`);
  return [...items];
};
const rows = (lines) => ['user,item', ...lines].join('\n') + '\n';
const train = [];
for (let u = 0; u < 90; u++) for (const item of basket(u % 3)) train.push(`u${u},${item}`);
const history = [];
const target = [];
const histories = new Map();
for (let u = 0; u < 30; u++) {
  const items = basket(u % 3);
  histories.set(`t${u}`, items.filter((_, k) => k % 3 !== 0));
  items.forEach((item, k) => (k % 3 === 0 ? target : history).push(`t${u},${item}`));
}
mkdirSync('split', { recursive: true });
writeFileSync('split/train.csv', rows(train));
writeFileSync('split/test_history.csv', rows(history));
writeFileSync('split/test_target.csv', rows(target));

// train: a bundle the package loads, holding every item of the CSV.
const trained = ok('train', '--interactions', 'split/train.csv', '--out', 'cli-model.safetensors', '--dim', '8', '--epochs', '5');
assert.match(trained.stdout, /^trained 90 users x 45 items \(\d+ interactions\)/m, trained.stdout);
const rec = await createRecommender({ model: './cli-model.safetensors', profile: false });
assert.equal(rec.info.items, 45);

// recommend: top 5 per history user, known ids, none from the user's own history, ranked like the package.
ok('recommend', '--model', 'cli-model.safetensors', '--history', 'split/test_history.csv', '--k', '5', '--out', 'recs.csv');
const lines = readFileSync('recs.csv', 'utf8').trim().split('\n');
assert.equal(lines[0], 'user,rank,item,score');
const byUser = new Map();
for (const line of lines.slice(1)) {
  const [user, rank, item] = line.split(',');
  if (!byUser.has(user)) byUser.set(user, []);
  byUser.get(user).push(item);
  assert.equal(Number(rank), byUser.get(user).length, line);
  assert.match(item, /^c\d+$/, line);
  assert.ok(!histories.get(user).includes(item), `${user} was recommended ${item} from their history`);
}
assert.deepEqual([...byUser.keys()].sort(), [...histories.keys()].sort());
for (const [user, items] of byUser) assert.deepEqual(items, rec.recommend({ history: histories.get(user), k: 5 }).ids, user);
rec.dispose();

// eval: the metrics table; on clustered users the model beats popularity.
const evaluated = ok('eval', '--split', 'split', '--dim', '8', '--epochs', '5', '--no-ease');
const metric = (name) => {
  const row = evaluated.stdout.split('\n').find((l) => l.startsWith(`| ${name}`));
  assert.ok(row, `no '${name}' row in:\n${evaluated.stdout}`);
  const [recall20, recall50, ndcg100] = row.split('|').slice(2, 5).map(Number);
  for (const v of [recall20, recall50, ndcg100]) assert.ok(v >= 0 && v <= 1, row);
  return { recall20, ndcg100 };
};
assert.match(evaluated.stdout, /\| model\s+\| Recall@20 \| Recall@50 \| NDCG@100 \|/);
assert.ok(metric('iALS').ndcg100 > metric('popularity').ndcg100, evaluated.stdout);
assert.match(evaluated.stdout, /\(30 test users with a target\)/);

// convert: factors from another trainer (CSV with ids) -> a bundle the package loads.
writeFileSync('factors.csv', 'id,f1,f2\na,1,0\nb,0.9,0.1\nc,0,1\nd,0.1,0.9\n');
ok('convert', '--factors', 'factors.csv', '--out', 'converted.safetensors');
const converted = await createRecommender({ model: './converted.safetensors', profile: false });
assert.deepEqual(converted.recommend({ history: ['a'], k: 1 }).ids, ['b']);
converted.dispose();

// Errors keep their exit codes and messages: 2 for bad input, naming the file and line.
writeFileSync('bad.csv', 'user,item\nu1\n');
const bad = zhixuan('train', '--interactions', 'bad.csv', '--out', 'never.safetensors');
assert.equal(bad.status, 2, bad.stderr);
assert.match(bad.stderr, /^zhixuan train: .*bad\.csv line 2: expected 2 fields, got 1/m);
assert.ok(!existsSync('never.safetensors'));
// simulate needs sockets and a subprocess: the wasm CLI says so instead of failing obscurely.
const simulate = zhixuan('simulate', '--split', 'split');
assert.equal(simulate.status, 2);
assert.match(simulate.stderr, /simulate` needs the native CLI/);
console.log('cli: train, recommend, eval, convert through the wasm CLI passed');

// `zhixuan anonymize`: the user column replaced by HMAC-SHA-256 under a key file, checked against
// Node's own HMAC (node:crypto), everything else byte for byte; the key file made 0600 and a
// readable one refused. Needs the native CLI: $ZHIXUAN_CLI, or build/native|release/zhixuan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = [process.env.ZHIXUAN_CLI, ...['native', 'release'].map((d) => path.join(root, 'build', d, 'zhixuan'))]
  .find((p) => p && fs.existsSync(p));
const skip = cli ? false : 'the native CLI is not built (bash scripts/build.sh)';

const CSV = 'item,user_id,weight,ts\r\nc1,alice,1,1700000000\r\n\r\nc2," bob ",2,1700000001\r\nc3,alice,1,1700000002\r\nc4,"x,""y""",1,1700000003';

test('anonymize: HMAC-SHA-256 of each user id under a new 0600 key; other columns untouched', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-anon-'));
  const [input, output, keyFile] = ['in.csv', 'anon.csv', 'users.key'].map((f) => path.join(dir, f));
  fs.writeFileSync(input, CSV);
  const { stdout } = await run(cli, ['anonymize', '--key', keyFile, '--in', input, '--out', output]);
  assert.match(stdout, /anonymized 4 rows \(3 users\)/);
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  const key = fs.readFileSync(keyFile);
  assert.equal(key.length, 32);
  const mac = (id) => createHmac('sha256', key).update(id).digest('hex');
  const expected = `item,user_id,weight,ts\r\nc1,${mac('alice')},1,1700000000\r\n\r\nc2,${mac(' bob ')},2,1700000001\r\n` +
    `c3,${mac('alice')},1,1700000002\r\nc4,${mac('x,"y"')},1,1700000003`;
  assert.equal(fs.readFileSync(output, 'utf8'), expected);
  assert.ok(!fs.readFileSync(output, 'utf8').includes('alice'));

  // The same key again: the same pseudonyms (training and evaluation files still join).
  const again = path.join(dir, 'again.csv');
  await run(cli, ['anonymize', '--key', keyFile, '--in', input, '--out', again]);
  assert.equal(fs.readFileSync(again, 'utf8'), expected);
});

test('anonymize: a key file others may read, a short key and a malformed CSV are refused', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-anon-'));
  const input = path.join(dir, 'in.csv');
  const output = path.join(dir, 'out.csv');
  fs.writeFileSync(input, CSV);
  const refuse = async (args, pattern) => {
    await assert.rejects(run(cli, ['anonymize', ...args]), (e) => pattern.test(e.stderr) && e.code !== 0, pattern.toString());
  };
  const readable = path.join(dir, 'readable.key');
  fs.writeFileSync(readable, Buffer.alloc(32, 7), { mode: 0o644 });
  fs.chmodSync(readable, 0o644);
  await refuse(['--key', readable, '--in', input, '--out', output], /INVALID_ARGUMENT: key file .* \(mode 0644\)/);
  const short = path.join(dir, 'short.key');
  fs.writeFileSync(short, 'tiny', { mode: 0o600 });
  await refuse(['--key', short, '--in', input, '--out', output], /at least 16 needed/);
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, 'user,item\nu1,c1\nu2\n');
  await refuse(['--key', path.join(dir, 'new.key'), '--in', bad, '--out', output], /MALFORMED_DATA: .*bad\.csv line 3/);
  assert.equal(fs.existsSync(output), false, 'no output after a refusal');
  assert.equal(fs.existsSync(path.join(dir, 'new.key')), false, 'no key made for a file that was refused');
});

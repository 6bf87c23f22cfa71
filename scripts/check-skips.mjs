// Reads the TAP a `node --test` tier wrote and names every skipped test. A skip must not pass
// silently: with CI=true (or 1) the run fails unless README.md's "Tests that may skip" section
// lists the test (a line "- `test name`: why"); elsewhere the skips are printed as a warning.
//   node scripts/check-skips.mjs TIER_NAME results.tap
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [tier, tapFile] = process.argv.slice(2);
if (!tier || !tapFile) {
  console.error('usage: node scripts/check-skips.mjs TIER_NAME results.tap');
  process.exit(2);
}
const readme = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');

/** Names listed in README's "Tests that may skip" section (up to the next heading). */
function allowedSkips(markdown) {
  const section = markdown.split(/^## Tests that may skip\s*$/m)[1];
  if (section === undefined) return new Set();
  const body = section.split(/^#{1,6} /m)[0];
  // A name holding backticks is written as a double-backtick code span: - `` a `b` c ``: why
  return new Set([...body.matchAll(/^- (`+) ?(.+?) ?\1:/gm)].map((m) => m[2]));
}

// TAP from node --test: "ok 3 - name # SKIP reason", indented for subtests.
const skipped = [...fs.readFileSync(tapFile, 'utf8').matchAll(/^\s*ok \d+ - (.*?) # SKIP(?: (.*))?$/gm)]
  .map(([, name, reason]) => ({ name: name.replace(/\\#/g, '#').replace(/\\\\/g, '\\'), reason: reason ?? '' }));
const allowed = allowedSkips(readme);
const unlisted = skipped.filter((s) => !allowed.has(s.name));
for (const s of skipped) {
  const listed = allowed.has(s.name) ? ' (listed in README)' : '';
  console.error(`${tier}: skipped "${s.name}": ${s.reason}${listed}`);
}
const ci = process.env.CI === 'true' || process.env.CI === '1';
if (unlisted.length > 0 && ci) {
  console.error(`${tier}: ${unlisted.length} skipped test(s) that README.md's "Tests that may skip" does not list: ` +
    'a skip fails the run in CI (build what they need, or list them with the reason)');
  process.exit(1);
}

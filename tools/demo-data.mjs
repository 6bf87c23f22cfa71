// The demo's generated sample platform (catalog, model): made once by demo/generate/main.mjs,
// then reused. The page tests and the page benchmark call this before serving the page.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Where the page's data is: $ZX_DEMO_DATA, else demo/generated. */
export const demoDataDir = () => process.env.ZX_DEMO_DATA ?? join(repoRoot, 'demo', 'generated');

/** Generates the sample data unless it is there already (throws with the generator's output). */
export function ensureDemoData() {
  const run = spawnSync(process.execPath, [join(repoRoot, 'demo', 'generate', 'main.mjs')], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`demo data generation failed: ${run.stderr}${run.stdout}`);
}

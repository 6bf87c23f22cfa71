#!/usr/bin/env node
// `npx zhixuan …`: `serve` runs the aggregation server (Node); train, recommend, eval,
// convert and simulate run the native CLI built from the same core (build/native/zhixuan,
// or $ZHIXUAN_CLI), since training wants both cores and Eigen at native speed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [command, ...rest] = process.argv.slice(2);
if (command === 'serve') {
  const { runServe } = await import('../server/cli.js');
  await runServe(rest).catch((error) => {
    console.error(`zhixuan serve: ${error.message}`);
    process.exit(1);
  });
} else {
  const native = process.env.ZHIXUAN_CLI ?? fileURLToPath(new URL('../../build/native/zhixuan', import.meta.url));
  if (!existsSync(native)) {
    console.error(`zhixuan: the native CLI is not built (${native}).\n` +
      'Run `npm run build` in the zhixuan repository, or set ZHIXUAN_CLI to the binary; `zhixuan serve` needs no build.');
    process.exit(2);
  }
  const result = spawnSync(native, command === undefined ? [] : [command, ...rest], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

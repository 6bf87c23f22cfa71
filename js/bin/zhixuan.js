#!/usr/bin/env node
// `npx zhixuan …`: `serve` runs the aggregation server (Node). train, recommend, eval and
// convert run the command line built from the same core (cli/): the native binary when there
// is one ($ZHIXUAN_CLI, or build/native/zhixuan in a checkout that ran `npm run build`), else
// the wasm build of it that the package ships (dist/zhixuan-cli.cjs: no native build needed,
// single-threaded, slower to train). ZHIXUAN_CLI=wasm forces the wasm build. `simulate` starts
// the server and talks HTTP to it over sockets, so it needs the native binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [command, ...rest] = process.argv.slice(2);
const fail = (message) => {
  console.error(`zhixuan: ${message}`);
  process.exit(2);
};

if (command === 'serve') {
  const { runServe } = await import('../server/cli.js');
  await runServe(rest).catch((error) => {
    console.error(`zhixuan serve: ${error.message}`);
    process.exit(1);
  });
} else {
  const args = command === undefined ? [] : [command, ...rest];
  const chosen = process.env.ZHIXUAN_CLI;
  const checkoutNative = fileURLToPath(new URL('../../build/native/zhixuan', import.meta.url));
  const wasmCli = fileURLToPath(new URL('../../dist/zhixuan-cli.cjs', import.meta.url));
  let result;
  if (chosen && chosen !== 'wasm') {
    if (!existsSync(chosen)) fail(`ZHIXUAN_CLI names no file (${chosen}); unset it to use the CLI the package ships`);
    result = spawnSync(chosen, args, { stdio: 'inherit' });
  } else if (!chosen && existsSync(checkoutNative)) {
    result = spawnSync(checkoutNative, args, { stdio: 'inherit' });
  } else {
    if (command === 'simulate') {
      fail('`zhixuan simulate` needs the native CLI (it starts the server and talks HTTP to it): build it from ' +
        'the repository (`npm run build`) and set ZHIXUAN_CLI to build/native/zhixuan');
    }
    if (!existsSync(wasmCli)) fail(`the wasm CLI is missing (${wasmCli}): run \`npm run build\` in the zhixuan repository`);
    result = spawnSync(process.execPath, [wasmCli, ...args], { stdio: 'inherit' });
  }
  if (result.error) fail(`cannot run the CLI: ${result.error.message}`);
  process.exit(result.status ?? 1);
}

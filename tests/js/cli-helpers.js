// Where the tests find the command line (cli/): the native binary ($ZHIXUAN_CLI when it names a
// file, else build/native/zhixuan, where `npm run build` puts it) and its wasm build that the
// package ships (dist/zhixuan-cli.cjs, run by node). A CLI that is not built is undefined: the
// tests that need it skip, and `npm test` in CI fails on a skip the README does not list.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const nativePath = [process.env.ZHIXUAN_CLI, path.join(repoRoot, 'build', 'native', 'zhixuan')]
  .find((p) => p && p !== 'wasm' && fs.existsSync(p));
const wasmPath = path.join(repoRoot, 'dist', 'zhixuan-cli.cjs');

/** The native CLI as {file, args}: run `file` with `[...args, command, ...]`. */
export const nativeCli = nativePath && { file: nativePath, args: [] };
/** The wasm CLI, run by this node. */
export const wasmCli = fs.existsSync(wasmPath) ? { file: process.execPath, args: [wasmPath] } : undefined;

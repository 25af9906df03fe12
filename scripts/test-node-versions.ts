// `npm run test:node-versions` (and scripts/test.sh, after `npm test`): the end-to-end sign-in and
// tool files again on Node 22 and Node 24 from the npm registry, pinned in test/helpers/npm-cache.ts
// and installed into the test cache by scripts/npm-cache-install.sh.
//
// Vitest itself runs under that Node, so `process.execPath` — what the tests spawn the built
// server with, and what the server spawns its keychain helper with — is that Node too; its folder
// also goes first on PATH for anything that starts `node` by name. test/keychain/node-version.test.ts
// asserts the version inside the run (HOSTSMITH_TEST_NODE_VERSION). Needs dist/ (npm run build)
// and the keychain (scripts/with-keychain.sh). Any failure on any version fails the command;
// both versions run either way, so one report names every failure.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { NODE_22, NODE_24, npmCacheInstall } from '../test/helpers/npm-cache.js';

/** The files run again: sign-in through the real loopback callback, every tool with deploy,
 *  refresh across processes, local HTTP, and the keychain with the server's Node version. */
export const FILES = [
  'test/e2e/first-call.test.ts',
  'test/e2e/refresh.test.ts',
  'test/e2e/http.test.ts',
  'test/keychain/node-version.test.ts',
];

const ROOT = resolve(import.meta.dirname, '..');
const VITEST = resolve(ROOT, 'node_modules/vitest/vitest.mjs');
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function run(node: string, version: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(node, [VITEST, 'run', '--project', 'suite', ...FILES], {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        PATH: `${dirname(node)}:${process.env.PATH ?? ''}`,
        HOSTSMITH_TEST_NODE_VERSION: `v${version}`,
      },
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

const failed: string[] = [];
const timings: string[] = [];
// Both installs at once: when nothing is cached they are mostly download time.
const start = performance.now();
const nodes = await Promise.all(
  [NODE_22, NODE_24].map(async (spec) => ({
    spec,
    version: spec.slice('node@'.length),
    path: await npmCacheInstall(spec),
  })),
).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
timings.push(`install or find in the cache: ${seconds(start)}`);
for (const { spec, version, path } of nodes) {
  process.stdout.write(`\n── ${spec}: ${path}\n── ${FILES.join(' ')}\n`);
  const began = performance.now();
  const code = await run(path, version);
  timings.push(`${spec}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds(began)}`);
  if (code !== 0) failed.push(spec);
}
process.stdout.write(`\nEnd-to-end files on other Node versions:\n  ${timings.join('\n  ')}\n`);
if (failed.length) {
  process.stderr.write(`Failed on ${failed.join(', ')}: see that run's report above.\n`);
  process.exit(1);
}

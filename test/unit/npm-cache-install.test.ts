// scripts/npm-cache-install.sh without the network: a spec whose version is not exact is refused
// (the version is the cache key), a cached install is found and its bin printed without running
// npm, and a bin the package does not have is named. The real installs run in test/hosts/.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/mcp-server.js';

const SCRIPT = join(ROOT, 'scripts/npm-cache-install.sh');

/** First on PATH: an `npm` that fails, so a run that tried to install could not download. */
const NO_NPM = tempDir('no-npm-');
writeFileSync(join(NO_NPM, 'npm'), '#!/bin/sh\necho "npm was run: $*" >&2\nexit 99\n', { mode: 0o755 });

function run(args: string[], cache: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: `${NO_NPM}:${process.env.PATH ?? ''}`, HOME: cache, HOSTSMITH_TEST_CACHE: cache };
    execFile(SCRIPT, args, { env, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A cache entry as a finished install leaves it, with one bin. */
function cached(cache: string, folder: string, pkg: string, bin: string): string {
  const dir = join(cache, 'npm', folder);
  mkdirSync(join(dir, 'node_modules', pkg, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '.bin'));
  const target = join(dir, 'node_modules', pkg, 'bin', bin);
  writeFileSync(target, '#!/bin/sh\n');
  chmodSync(target, 0o755);
  symlinkSync(`../${pkg}/bin/${bin}`, join(dir, 'node_modules', '.bin', bin));
  writeFileSync(join(dir, '.installed'), '');
  return target;
}

it('refuses a spec without an exact version', async () => {
  const cache = tempDir('npm-cache-');
  for (const spec of ['node@22', 'node', '@scope/tool@^2.1.0', '@scope/tool']) {
    const r = await run([spec], cache);
    expect(r.code, spec).toBe(2);
    expect(r.stderr, spec).toContain('is not NAME@EXACT-VERSION');
  }
});

it('finds a cached install, scoped or not, and prints its bin without running npm', async () => {
  const cache = tempDir('npm-cache-');
  const node = cached(cache, 'node@22.23.3', 'node', 'node');
  expect(await run(['node@22.23.3'], cache)).toEqual({ code: 0, stdout: `${node}\n`, stderr: '' });
  const tool = cached(cache, '@scope+tool@2.1.0', '@scope/tool', 'tool-cli');
  expect((await run(['@scope/tool@2.1.0', 'tool-cli'], cache)).stdout).toBe(`${tool}\n`);
});

it('names a bin the cached package does not have', async () => {
  const cache = tempDir('npm-cache-');
  cached(cache, 'node@22.23.3', 'node', 'node');
  const r = await run(['node@22.23.3', 'nodejs'], cache);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("has no bin 'nodejs'");
});

it('fails with npm’s words when the install fails, and leaves no folder behind', async () => {
  const cache = tempDir('npm-cache-');
  const r = await run(['node@22.23.3'], cache);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('npm was run: install');
  expect(r.stderr).toContain('npm could not install node@22.23.3');
  expect(readdirSync(join(cache, 'npm'))).toEqual([]);
});

// First `npx -y` to the `initialize` answer, ours versus mcp-remote, each with an EMPTY npm cache
// (a fresh npm_config_cache folder per run), alternating which goes first. Both are fetched
// through a loopback registry (bench/lib/registry.mjs) that serves our `npm pack` tarball, which
// is not published, and proxies everything else to registry.npmjs.org, holding its own answers
// back by the real registry's measured time to first byte. mcp-remote needs a server to proxy
// to: ours in `serve --http` mode on loopback, started once and not timed.
//
// Smoke: one run each with the machine's npm cache (--prefer-offline) instead of an empty one,
// so that CI, which has the registry but no time to spare, does not download everything.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MCP_REMOTE, npmEnv, packOurs, tempDir } from './lib/npm.mjs';
import { INITIALIZE, runOk, spawnGroup, stdioSession, stopGroup } from './lib/process.mjs';
import { startRegistry } from './lib/registry.mjs';
import { figure, summarize } from './lib/stats.mjs';

export const title = 'First npx -y (empty npm cache)';

export async function run({ smoke, root }) {
  const runs = 5;
  const ours = await packOurs(root);
  const registry = await startRegistry({ packages: [ours] });
  const remote = await startHttpServer(root);
  const machineCache = smoke
    ? (await runOk('npm', ['config', 'get', 'cache'], { env: npmEnv() })).stdout.trim()
    : '';
  try {
    const sides = {
      ours: { spec: `${ours.manifest.name}@${ours.manifest.version}`, args: [], times: [] },
      peer: { spec: MCP_REMOTE, args: [remote.url], times: [] },
    };
    const once = async (side) =>
      side.times.push(await firstInitialize({ side, registry, smoke, machineCache }));
    if (smoke) {
      // Only the code paths count in a smoke run: both at once.
      await Promise.all([once(sides.ours), once(sides.peer)]);
    }
    for (let i = 0; i < (smoke ? 0 : runs); i++) {
      for (const name of i % 2 ? ['peer', 'ours'] : ['ours', 'peer']) await once(sides[name]);
    }
    const peer = summarize(sides.peer.times);
    return [
      figure({
        id: 'npx.first_initialize',
        label: `npx -y ${sides.ours.spec} → initialize answer${smoke ? ' (smoke: warm cache)' : ''}`,
        unit: 'ms',
        values: sides.ours.times,
        baseline: { label: `npx -y ${MCP_REMOTE} (same way)`, median: peer.median },
        target: { max: 0.4, of: 'ratio' },
      }),
    ];
  } finally {
    await remote.close();
    await registry.close();
  }
}

/** One `npx -y <spec>` from spawn to the initialize answer, in an empty folder. */
async function firstInitialize({ side, registry, smoke, machineCache }) {
  const dir = tempDir('hostsmith-bench-npx-');
  const cache = join(dir, 'npm-cache');
  mkdirSync(cache);
  // Smoke: the machine's content cache, but npx's own install folder fresh, so nothing of ours
  // lands in the machine's _npx (where a later `npx hostsmith-mcp` would find it).
  if (smoke) {
    // A fresh machine has no cache yet: make it, so the link does not dangle.
    mkdirSync(join(machineCache, '_cacache'), { recursive: true });
    symlinkSync(join(machineCache, '_cacache'), join(cache, '_cacache'), 'dir');
  }
  const cwd = join(dir, 'cwd');
  mkdirSync(cwd);
  const env = npmEnv({
    npm_config_cache: cache,
    npm_config_registry: registry.url,
    ...(smoke ? { npm_config_prefer_offline: 'true' } : {}),
    // Ours: a config folder of its own and an API nobody answers (initialize needs neither).
    HOSTSMITH_MCP_CONFIG_DIR: join(dir, 'config'),
    HOSTSMITH_API_URL: 'http://127.0.0.1:9',
    // mcp-remote: its token folder.
    MCP_REMOTE_CONFIG_DIR: join(dir, 'mcp-auth'),
  });
  const session = stdioSession('npx', ['-y', side.spec, ...side.args], { cwd, env, timeoutMs: 180_000 });
  try {
    const { sinceSpawnMs } = await session.request('initialize', INITIALIZE);
    return sinceSpawnMs;
  } finally {
    await session.close();
    // The symlinked machine cache must never be followed by the removal below.
    if (smoke) rmSync(join(cache, '_cacache'));
  }
}

/** Our built server in `serve --http` mode on a free loopback port: { url (secret in the path), close }. */
async function startHttpServer(root) {
  const dir = tempDir('hostsmith-bench-http-');
  const secretFile = join(dir, 'secret');
  const child = spawnGroup(
    process.execPath,
    [join(root, 'bin/hostsmith-mcp.js'), 'serve', '--http', '--port', '0', '--http-secret-file', secretFile],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        HOSTSMITH_MCP_CONFIG_DIR: dir,
        HOSTSMITH_API_URL: 'http://127.0.0.1:9',
      },
    },
  );
  const url = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`serve --http did not start within 30 s:\n${err}`)),
      30_000,
    );
    child.stderr.setEncoding('utf8').on('data', (c) => {
      err += c;
      const at = /serving MCP over local HTTP at (http:\/\/\S+)/.exec(err)?.[1];
      const secret = /HTTP secret: (\S+)/.exec(err)?.[1];
      if (at && secret) {
        clearTimeout(timer);
        resolve(`${at}/${secret}`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve --http exited (${code}):\n${err}`));
    });
  });
  writeFileSync(join(dir, 'url'), url); // for a person debugging a failed run
  return {
    url,
    close: () => stopGroup(child),
  };
}

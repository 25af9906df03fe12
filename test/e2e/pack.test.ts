// What users install: `npm pack` holds exactly bin/, the bundle esbuild wrote to dist/ (its
// metafile names every file), README, LICENSE and the third-party notice. Installed the way
// `npx` does (`npm install <tarball> --omit=dev`, from the machine's npm cache) it is three
// packages: this one, the keychain binding and its build for this platform. And the tarball run
// with npx from an empty folder prints its version, and answers initialize and tools/list.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { expect, it } from 'vitest';
import { METAFILE } from '../../scripts/build.mjs';
import { ROOT, tempDir } from '../helpers/mcp-server.js';

/** What `npm run build` wrote: every output of esbuild's metafile, and nothing else. */
function builtFiles(): string[] {
  const meta = JSON.parse(readFileSync(join(ROOT, METAFILE), 'utf8')) as { outputs: Record<string, unknown> };
  return Object.keys(meta.outputs);
}

/** Every installed package under `nodeModules` (nested and scoped ones too), as name@version. */
function installedPackages(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const dirs = entry.startsWith('@')
      ? readdirSync(join(nodeModules, entry)).map((name) => join(nodeModules, entry, name))
      : [join(nodeModules, entry)];
    for (const dir of dirs) {
      const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
      };
      found.push(`${name}@${version}`, ...installedPackages(join(dir, 'node_modules')));
    }
  }
  return found.sort();
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};
const { version } = pkg;

it('the packed tarball holds exactly the bundle, installs as three packages, runs with npx, and answers initialize and tools/list', {
  timeout: 180_000,
}, async () => {
  const dir = tempDir('hostsmith-pack-');
  // --ignore-scripts: `prepare` would rebuild dist/ while other test files run the server from it,
  // and one of them loaded a half-written module. `npm test` has built dist/ before any test runs.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const [{ filename, files }] = JSON.parse(out.slice(out.indexOf('['))) as [
    { filename: string; files: Array<{ path: string }> },
  ];
  expect(filename).toBe(`hostsmith-mcp-${version}.tgz`);
  // No source maps, tests, sandbox, sources or type declarations; no stale chunk (the build
  // empties dist/ first).
  const built = builtFiles();
  expect(built).toContain('dist/cli/main.js');
  expect(built.every((file) => /^dist\/(cli\/main|chunks\/[\w-]+)\.js$/.test(file))).toBe(true);
  expect(files.map((f) => f.path).sort()).toEqual(
    [
      'LICENSE',
      'README.md',
      'THIRD_PARTY_NOTICES.md',
      'bin/hostsmith-mcp.js',
      'package.json',
      ...built,
    ].sort(),
  );

  const npmEnv = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    // The machine's npm cache (HOME is changed, which would move it).
    npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
  };

  // What npx installs: the package and its runtime dependencies only.
  const installDir = join(dir, 'install');
  mkdirSync(installDir);
  writeFileSync(join(installDir, 'package.json'), '{ "private": true }\n');
  execFileSync(
    'npm',
    ['install', join(dir, filename), '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: installDir, env: npmEnv, encoding: 'utf8' },
  );
  const installed = installedPackages(join(installDir, 'node_modules'));
  expect(Object.keys(pkg.dependencies)).toEqual(['@napi-rs/keyring']);
  expect(installed).toHaveLength(3);
  expect(installed).toEqual(
    expect.arrayContaining([
      `hostsmith-mcp@${version}`,
      `@napi-rs/keyring@${pkg.dependencies['@napi-rs/keyring']}`,
      // Its build for this platform (npm picks it by os, cpu and libc).
      expect.stringMatching(new RegExp(`^@napi-rs/keyring-${process.platform}-${process.arch}[\\w-]*@`)),
    ]),
  );

  // As the README's users run it: the tarball by a relative path, from a folder holding only it.
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  copyFileSync(join(dir, filename), join(runDir, filename));
  const printed = execFileSync(
    'npx',
    ['-y', '--prefer-offline', '--package', `./${filename}`, 'hostsmith-mcp', '--version'],
    { cwd: runDir, env: npmEnv, encoding: 'utf8' },
  );
  expect(printed).toBe(`${version}\n`);
  expect(readdirSync(runDir)).toEqual([filename]);

  const transport = new StdioClientTransport({
    command: 'npx',
    // --package: a bare tarball path is taken for a command when npx decides what to run.
    args: ['-y', '--prefer-offline', `--package=${join(runDir, filename)}`, 'hostsmith-mcp'],
    cwd: runDir,
    env: { ...npmEnv, HOSTSMITH_MCP_CONFIG_DIR: dir },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'pack-test', version: '1.0.0' });
  await client.connect(transport);
  expect(client.getServerVersion()?.name).toBe('hostsmith-mcp');
  const { tools } = await client.listTools();
  expect(tools.length).toBe(11);
  await client.close();
});

// What users install: `npm pack` holds exactly bin/, the built code, README, LICENSE and the
// third-party notice; the tarball run with npx from an empty folder prints its version, and
// answers initialize and tools/list.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/mcp-server.js';

/** What `tsc -p tsconfig.build.json` makes of src/: one .js per .ts, and nothing else. */
function builtFiles(): string[] {
  const src = join(ROOT, 'src');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.ts'))
    .map((p) => `dist/${p.replaceAll('\\', '/').replace(/\.ts$/, '.js')}`);
}

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

it('the packed tarball holds exactly what runs, runs with npx, and answers initialize and tools/list', {
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
  // No source maps, tests, sandbox or sources; no stale module (the build empties dist/ first).
  expect(files.map((f) => f.path).sort()).toEqual(
    [
      'LICENSE',
      'README.md',
      'THIRD_PARTY_NOTICES.md',
      'bin/hostsmith-mcp.js',
      'package.json',
      ...builtFiles(),
    ].sort(),
  );
  expect(builtFiles()).toContain('dist/cli/main.js');

  // As the README's users run it: the tarball by a relative path, from a folder holding only it.
  const npmEnv = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    // The machine's npm cache (HOME is changed, which would move it).
    npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
  };
  const printed = execFileSync(
    'npx',
    ['-y', '--prefer-offline', '--package', `./${filename}`, 'hostsmith-mcp', '--version'],
    { cwd: dir, env: npmEnv, encoding: 'utf8' },
  );
  expect(printed).toBe(`${version}\n`);
  expect(readdirSync(dir)).toEqual([filename]);

  const transport = new StdioClientTransport({
    command: 'npx',
    // --package: a bare tarball path is taken for a command when npx decides what to run.
    args: ['-y', '--prefer-offline', `--package=${join(dir, filename)}`, 'hostsmith-mcp'],
    cwd: dir,
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

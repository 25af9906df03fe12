// What users install: `npm pack`, then the tarball run with npx, answers initialize and tools/list.
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/mcp-server.js';

it('the packed tarball runs with npx and answers initialize and tools/list', {
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
  const paths = files.map((f) => f.path);
  expect(paths).toContain('bin/hostsmith-mcp.js');
  expect(paths).toContain('dist/cli/main.js');
  expect(paths.some((p) => p.startsWith('sandbox/') || p.startsWith('test/') || p.startsWith('src/'))).toBe(
    false,
  );

  const transport = new StdioClientTransport({
    command: 'npx',
    // --package: a bare tarball path is taken for a command when npx decides what to run.
    args: ['-y', '--prefer-offline', `--package=${join(dir, filename)}`, 'hostsmith-mcp'],
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      // The machine's npm cache (HOME is changed below, which would move it).
      npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
      HOSTSMITH_MCP_CONFIG_DIR: dir,
    },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'pack-test', version: '1.0.0' });
  await client.connect(transport);
  expect(client.getServerVersion()?.name).toBe('hostsmith-mcp');
  const { tools } = await client.listTools();
  expect(tools.length).toBe(11);
  await client.close();
});

// The HTTP stack (undici) loads with the first call that needs the network, never at startup:
// initialize and tools/list answer without it (the composition root is imported lazily).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { ROOT, startServer, tempDir } from '../helpers/mcp-server.js';

const MODULE_LOG_PRELOAD = pathToFileURL(join(ROOT, 'test/helpers/module-log.mjs')).href;

it('initialize and tools/list load no undici', async () => {
  const configDir = tempDir();
  const log = join(configDir, 'modules.log');
  const server = await startServer({
    // Nothing listens here: no request is made before a tool call.
    api: 'http://127.0.0.1:9',
    configDir,
    nodeArgs: ['--import', MODULE_LOG_PRELOAD],
    env: { MODULE_LOG: log },
  });
  const { tools } = await server.client.listTools();
  await server.close();
  expect(tools.length).toBeGreaterThan(0);
  expect(existsSync(log)).toBe(true);
  const loaded = readFileSync(log, 'utf8').split('\n');
  // The log works: the server's own modules are in it.
  expect(loaded.some((url) => url.endsWith('/dist/cli/main.js'))).toBe(true);
  expect(loaded.filter((url) => url.includes('/node_modules/undici/'))).toEqual([]);
});

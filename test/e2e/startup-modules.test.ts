// What the built server (bin/ → dist/, the esbuild bundle) loads to answer initialize and
// tools/list: none of the chunks that hold undici, openid-client, the keychain code or the deploy
// code — they load with the first call that needs them. Which chunk holds what comes from
// esbuild's metafile of the same build (scripts/build.mjs writes it beside the bundle). And what
// the bundle lists (its JSON Schemas made at build time, src/mcp/built-schemas.ts) is what the
// source lists, converting them at run time.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { METAFILE } from '../../scripts/build.mjs';
import { inProcessServer } from '../helpers/in-process-server.js';
import { ROOT, startServer, tempDir } from '../helpers/mcp-server.js';

const MODULE_LOG_PRELOAD = pathToFileURL(join(ROOT, 'test/helpers/module-log.mjs')).href;

interface Metafile {
  outputs: Record<
    string,
    { inputs: Record<string, unknown>; imports: Array<{ path: string; external?: boolean }> }
  >;
}

/** The chunks (as file URLs) holding any input that `holds` matches. */
function chunksHolding(meta: Metafile, holds: (input: string) => boolean): string[] {
  return Object.entries(meta.outputs)
    .filter(([, output]) => Object.keys(output.inputs).some(holds))
    .map(([file]) => pathToFileURL(join(ROOT, file)).href);
}

it('initialize and tools/list load no chunk of undici, openid-client, the keychain or the deploy code', async () => {
  expect(existsSync(join(ROOT, METAFILE)), `${METAFILE} is missing: run \`npm run build\``).toBe(true);
  const meta = JSON.parse(readFileSync(join(ROOT, METAFILE), 'utf8')) as Metafile;
  // The metafile is this build's: every chunk it names is in dist/.
  for (const file of Object.keys(meta.outputs)) expect(existsSync(join(ROOT, file)), file).toBe(true);
  const lazy = {
    undici: chunksHolding(meta, (input) => input.startsWith('node_modules/undici/')),
    'openid-client': chunksHolding(meta, (input) => input.startsWith('node_modules/openid-client/')),
    keychain: chunksHolding(meta, (input) => /^src\/store\/keychain(-helper|-backend)?\.ts$/.test(input)),
    deploy: chunksHolding(meta, (input) => /^src\/deploy\/(deploy|hash|walk|upload)\.ts$/.test(input)),
  };
  for (const [name, chunks] of Object.entries(lazy))
    expect(chunks.length, `${name} is in no chunk`).toBeGreaterThan(0);
  // The keychain binding is never bundled: the keychain helper process requires it.
  expect(chunksHolding(meta, (input) => input.includes('@napi-rs/keyring'))).toEqual([]);

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
  expect(tools.length).toBe(11);
  const loaded = new Set(readFileSync(log, 'utf8').split('\n'));
  // The log works: the program's entry and the chunk with the server in it are there.
  expect(loaded).toContain(pathToFileURL(join(ROOT, 'dist/cli/main.js')).href);
  for (const chunk of chunksHolding(meta, (input) => input === 'src/mcp/server.ts'))
    expect(loaded).toContain(chunk);
  for (const [name, chunks] of Object.entries(lazy)) {
    expect(
      chunks.filter((chunk) => loaded.has(chunk)),
      `${name} loaded at start`,
    ).toEqual([]);
  }
  expect([...loaded].filter((url) => url.includes('/node_modules/'))).toEqual([]);
  // node:crypto serves calls only (src/mcp/lazy-crypto.ts): loading it cost ~2–3 ms of each start.
  expect(loaded).not.toContain('node:crypto');
});

it('the bundle lists the same tools, schemas and all, as the source', async () => {
  const built = await startServer({ api: 'http://127.0.0.1:9', configDir: tempDir() });
  const source = await inProcessServer();
  try {
    const [fromBundle, fromSource] = await Promise.all([built.client.listTools(), source.client.listTools()]);
    expect(fromBundle.tools.length).toBe(11);
    expect(fromBundle.tools).toEqual(fromSource.tools);
  } finally {
    await Promise.all([built.close(), source.close()]);
  }
});

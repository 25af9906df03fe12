// server.json, the MCP Registry entry: valid against the registry's own schema (vendored in
// schemas/mcp-registry/, pinned by sha256), named and versioned as package.json says, and its mcpb
// entry pointing at the bundle built in this run (the test command builds it before vitest,
// leaving server.json as committed) with that bundle's sha256: the build is reproducible, so a
// server.json not brought up to date by `npm run mcpb` after a change to what the bundle holds fails.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { bundleFileName } from '../../scripts/mcpb/platforms.js';
import { ROOT } from '../helpers/mcp-server.js';

// ajv-formats is CommonJS (module.exports is the plugin): require it, as its types describe.
const addFormats = createRequire(import.meta.url)('ajv-formats') as typeof import('ajv-formats').default;

const readJson = <T>(path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;

interface ServerJson {
  $schema: string;
  name: string;
  version: string;
  packages: Array<{ registryType: string; identifier: string; version: string; fileSha256?: string }>;
}

const pkg = readJson<{ name: string; version: string; mcpName: string }>('package.json');
const serverJson = readJson<ServerJson>('server.json');
const schema = readJson<{ $id: string }>('schemas/mcp-registry/server.schema.json');
const source = readJson<{ sha256: string; $id: string; license: string }>('schemas/mcp-registry/source.json');

function validator() {
  // Strict, so a keyword ajv does not know is an error (the schema's one annotation keyword is
  // declared). strictRequired is off: the schema's `anyOf: [{required: [valueHint]}, …]` is legal
  // JSON Schema that names properties defined beside it, which that rule does not follow.
  const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true });
  ajv.addKeyword('example');
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('server.json for the MCP Registry', () => {
  it('is checked against the vendored schema, byte for byte the pinned copy', () => {
    const bytes = readFileSync(join(ROOT, 'schemas/mcp-registry/server.schema.json'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(source.sha256);
    expect(schema.$id).toBe(source.$id);
    expect(source.license).toBe('MIT');
    expect(serverJson.$schema).toBe(schema.$id);
  });

  it('is valid against the registry schema, and the schema rejects a broken copy', () => {
    const validate = validator();
    expect(validate(serverJson), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const broken = structuredClone(serverJson);
    const mcpb = broken.packages.find((p) => p.registryType === 'mcpb');
    if (mcpb) mcpb.fileSha256 = 'not-a-sha256';
    broken.name = 'no-namespace';
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath).sort()).toEqual(['/name', '/packages/1/fileSha256']);
  });

  it('agrees with package.json: name, npm package, versions', () => {
    expect(serverJson.name).toBe(pkg.mcpName);
    expect(serverJson.version).toBe(pkg.version);
    expect(serverJson.packages.map((p) => p.registryType).sort()).toEqual(['mcpb', 'npm']);
    for (const p of serverJson.packages) expect(p.version, p.registryType).toBe(pkg.version);
    expect(serverJson.packages.find((p) => p.registryType === 'npm')?.identifier).toBe(pkg.name);
  });

  it("names the bundle npm run mcpb built, with that bundle's sha256", () => {
    const fileName = bundleFileName(pkg.name, pkg.version);
    const bundle = join(ROOT, 'dist-mcpb', fileName);
    expect(existsSync(bundle), `${bundle} is missing: run \`npm run mcpb\` first`).toBe(true);
    const [written, writtenName] = readFileSync(`${bundle}.sha256`, 'utf8').trim().split(/\s+/);
    expect(writtenName).toBe(fileName);
    expect(written).toBe(createHash('sha256').update(readFileSync(bundle)).digest('hex'));

    const mcpb = serverJson.packages.find((p) => p.registryType === 'mcpb');
    expect(mcpb?.identifier.endsWith(`/releases/download/v${pkg.version}/${fileName}`)).toBe(true);
    expect(
      mcpb?.fileSha256,
      'server.json names another bundle: run `npm run mcpb` (it updates server.json) and commit server.json',
    ).toBe(written);
  });
});

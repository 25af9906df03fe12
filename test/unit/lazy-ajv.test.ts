// The build's lazy-ajv patch (scripts/build.mjs): the SDK's default JSON Schema validator, bundled
// as the program bundles it, loads ajv on its first check and still checks every dialect it
// knows; and a bundle that would hold validators/ajv (whose exports the patch leaves unset) fails.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { BUNDLE_OPTIONS, lazyAjvPlugin } from '../../scripts/build.mjs';
import { ROOT } from '../helpers/mcp-server.js';

const dir = mkdtempSync(join(tmpdir(), 'hostsmith-lazy-ajv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bundle(contents: string, outfile: string) {
  return build({
    ...BUNDLE_OPTIONS,
    logLevel: 'silent',
    absWorkingDir: ROOT,
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    outfile,
    plugins: [lazyAjvPlugin()],
  });
}

type Validator = {
  getValidator(schema: object): (input: unknown) => { valid: boolean; errorMessage?: string };
};

it('the patched validator loads ajv on first use and checks 2020-12, 2019-09 and draft-07 schemas', async () => {
  const file = join(dir, 'validator.mjs');
  await bundle(
    `import { DefaultJsonSchemaValidator } from '@modelcontextprotocol/server/_shims';
     export const make = () => new DefaultJsonSchemaValidator();`,
    file,
  );
  // Patched: no top-level require of ajv's modules is left, only the getters that require them.
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('get Ajv2020()');
  expect(text).not.toMatch(/import__2020\s*=\s*require__2020\(\)/);
  const { make } = (await import(pathToFileURL(file).href)) as { make: () => Validator };
  const form = { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] };
  for (const $schema of [
    undefined,
    'https://json-schema.org/draft/2019-09/schema',
    'http://json-schema.org/draft-07/schema#',
  ]) {
    const check = make().getValidator($schema ? { $schema, ...form } : form);
    expect(check({ confirm: true }).valid, String($schema)).toBe(true);
    const bad = check({ confirm: 'yes' });
    expect(bad.valid, String($schema)).toBe(false);
    expect(bad.errorMessage).toMatch(/boolean/);
  }
  // ajv-formats is registered through the patched addFormats.
  const email = make().getValidator({ type: 'string', format: 'email' });
  expect(email('a@example.com').valid).toBe(true);
  expect(email('not an address').valid).toBe(false);
});

it('a bundle holding validators/ajv fails, naming why', async () => {
  await expect(
    bundle(`export { Ajv } from '@modelcontextprotocol/server/validators/ajv';`, join(dir, 'refused.mjs')),
  ).rejects.toThrow(/lazy-ajv: validators\/ajv/);
});

// withBuiltJsonSchema: the JSON Schema made at build time stands in for zod's conversion only for
// the tool, role and target it was made for; validation stays zod's.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/v4';
import { type BuiltSchemas, jsonSchemaOf, withBuiltJsonSchema } from '../../src/mcp/built-schemas.js';

const input = z.object({ site_id: z.string().min(1) });
const output = z.object({ ok: z.boolean() });
const TARGET = 'draft-2020-12';
const built: BuiltSchemas = {
  get_site: { target: TARGET, input: { marker: 'built input' }, output: { marker: 'built output' } },
};

describe('withBuiltJsonSchema', () => {
  it('answers the built JSON Schema for its tool, role and target, a fresh copy each time', () => {
    const wrapped = withBuiltJsonSchema('get_site', 'input', input, built);
    const first = wrapped['~standard'].jsonSchema.input({ target: TARGET });
    expect(first).toEqual({ marker: 'built input' });
    first.marker = 'changed by a caller';
    expect(wrapped['~standard'].jsonSchema.input({ target: TARGET })).toEqual({ marker: 'built input' });
    const out = withBuiltJsonSchema('get_site', 'output', output, built);
    expect(out['~standard'].jsonSchema.output({ target: TARGET })).toEqual({ marker: 'built output' });
  });

  it("falls back to zod's conversion for another target, role or tool, and without built schemas", () => {
    const wrapped = withBuiltJsonSchema('get_site', 'input', input, built);
    expect(wrapped['~standard'].jsonSchema.input({ target: 'draft-07' })).toEqual(
      jsonSchemaOf(input, 'input', 'draft-07'),
    );
    expect(wrapped['~standard'].jsonSchema.output({ target: TARGET })).toEqual(
      jsonSchemaOf(input, 'output', TARGET),
    );
    expect(withBuiltJsonSchema('list_sites', 'input', input, built)).toBe(input);
    expect(withBuiltJsonSchema('get_site', 'input', input, undefined)).toBe(input);
  });

  it("validates with zod's own rules", async () => {
    const wrapped = withBuiltJsonSchema('get_site', 'input', input, built);
    expect(await wrapped['~standard'].validate({ site_id: 'site_1' })).toEqual({
      value: { site_id: 'site_1' },
    });
    const refused = await wrapped['~standard'].validate({ site_id: '' });
    expect(refused.issues?.[0]?.path).toEqual(['site_id']);
  });
});

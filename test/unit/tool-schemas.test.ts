// Guard: every tool's input and output JSON Schema, as the SDK sends them in tools/list, is
// portable. No `type` array (a single-type dialect such as Gemini's function declarations cannot
// read `["string", "null"]`: nullable is spelled `anyOf`), and no subschema that accepts anything
// (`true`, or `{}` with no validation keyword, as a plain looseObject's additionalProperties is).
// The MCP Inspector's --strict warns on both; test/hosts/inspector.test.ts runs it for real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/v4';
import { SiteSchema } from '../../src/hostsmith/schemas.js';
import { ALL_TOOLS } from '../../src/mcp/tools/index.js';
import {
  READ_ONLY_SCOPES,
  scopesFor,
  selectTools,
  TOOL_SCOPES,
  TOOLSETS,
} from '../../src/mcp/tools/scopes.js';
import { type InProcessServer, inProcessServer } from '../helpers/in-process-server.js';

type Schema = boolean | { [key: string]: unknown };

/** Keywords that only annotate: a schema made of these alone accepts any value. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
/** Keywords whose value is one subschema, a list of them, or a map of them. */
const ONE = ['additionalProperties', 'items', 'contains', 'not', 'propertyNames', 'if', 'then', 'else'];
const LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

/** `check` on `schema` and on each of its subschemas, their findings named by JSON path. */
function eachSubschema(schema: Schema, check: (s: Schema, path: string) => string[], path = '#'): string[] {
  const found = check(schema, path);
  if (typeof schema === 'boolean') return found;
  for (const k of ONE)
    if (k in schema) found.push(...eachSubschema(schema[k] as Schema, check, `${path}/${k}`));
  for (const k of LIST) {
    const list = schema[k];
    if (Array.isArray(list))
      for (const [i, s] of list.entries()) found.push(...eachSubschema(s, check, `${path}/${k}/${i}`));
  }
  for (const k of MAP) {
    const map = schema[k] as Record<string, Schema> | undefined;
    if (map)
      for (const [name, s] of Object.entries(map))
        found.push(...eachSubschema(s, check, `${path}/${k}/${name}`));
  }
  return found;
}

/** Every problem in `schema` and its subschemas, each named by its JSON path. */
function portabilityProblems(schema: Schema): string[] {
  return eachSubschema(schema, (s, path) => {
    if (s === true) return [`${path}: true accepts any value`];
    if (s === false) return [];
    const problems: string[] = [];
    if (Array.isArray(s.type)) {
      problems.push(`${path}: type ${JSON.stringify(s.type)} (spell it anyOf, one type a branch)`);
    }
    if (Object.keys(s).every((k) => ANNOTATIONS.has(k))) {
      problems.push(`${path}: no validation keyword, so it accepts any value`);
    }
    return problems;
  });
}

/** Every union in a schema (anyOf, oneOf, a type array: a choice a model must make), by JSON path. */
function unionsIn(schema: Schema): string[] {
  return eachSubschema(schema, (s, path) => {
    if (typeof s === 'boolean') return [];
    const found = ['anyOf', 'oneOf'].filter((k) => k in s).map((k) => `${path}/${k}`);
    if (Array.isArray(s.type)) found.push(`${path}/type`);
    return found;
  });
}

/** The catalogue as a client sees it in tools/list, from the real server in process. */
let mcp: InProcessServer;
let tools: Awaited<ReturnType<InProcessServer['client']['listTools']>>['tools'];
beforeAll(async () => {
  mcp = await inProcessServer();
  tools = (await mcp.client.listTools()).tools;
});
afterAll(() => mcp.close());

describe('tool schemas are portable', () => {
  it('tools/list holds every tool of the catalogue, each with an output schema', () => {
    expect(tools.map((t) => t.name)).toEqual(ALL_TOOLS.map((t) => t.name));
    for (const tool of tools) expect(tool.outputSchema, tool.name).toBeDefined();
  });

  it('no input or output schema has a type array or a subschema that accepts anything', () => {
    const problems = tools.flatMap((tool) => [
      ...portabilityProblems(tool.inputSchema as Schema).map((p) => `${tool.name} inputSchema ${p}`),
      ...portabilityProblems(tool.outputSchema as Schema).map((p) => `${tool.name} outputSchema ${p}`),
    ]);
    expect(problems).toEqual([]);
  });

  it('the API objects still let a field Hostsmith adds later through (as JSON), and say null as anyOf', () => {
    const site = tools.find((t) => t.name === 'get_site')!.outputSchema as Record<string, unknown>;
    expect(site.additionalProperties).toEqual({ $ref: expect.stringMatching(/^#\/\$defs\//) });
    const props = site.properties as Record<string, Schema>;
    expect(props.errorDocument).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    expect(props.liveDeployId).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    const later = { cdn: { edges: ['fra', 'iad'], tier: 2 }, pinned: null };
    const parsed = SiteSchema.parse({
      id: 'site_a',
      name: 'a',
      partition: 'us',
      url: 'https://a.hostsmith.site',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      fileCount: 0,
      sizeBytes: 0,
      indexDocument: 'index.html',
      errorDocument: null,
      liveDeployId: null,
      ...later,
    });
    expect(parsed).toMatchObject(later);
  });

  it('the guard finds what zod writes for a plain nullable and a plain looseObject', () => {
    const bad = z.object({ a: z.string().nullable(), b: z.array(z.looseObject({ c: z.string() })) });
    const json = bad['~standard'].jsonSchema.output({ target: 'draft-2020-12' }) as Schema;
    expect(portabilityProblems(json)).toEqual([
      '#/properties/a: type ["string","null"] (spell it anyOf, one type a branch)',
      '#/properties/b/items/additionalProperties: no validation keyword, so it accepts any value',
    ]);
    expect(portabilityProblems({ type: 'object', additionalProperties: true })).toEqual([
      '#/additionalProperties: true accepts any value',
    ]);
  });
});

describe('the tool catalogue guard', () => {
  it('walks every tool: short description, all four annotations, never read-only and destructive, no unions in the input', () => {
    expect(tools).toHaveLength(ALL_TOOLS.length);
    const problems: string[] = [];
    for (const tool of tools) {
      const length = tool.description?.length ?? 0;
      if (length === 0 || length >= 2048) problems.push(`${tool.name}: description of ${length} characters`);
      const a = tool.annotations ?? {};
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
        if (typeof a[hint] !== 'boolean') problems.push(`${tool.name}: ${hint} not set`);
      }
      if (a.readOnlyHint && a.destructiveHint)
        problems.push(`${tool.name}: readOnlyHint with destructiveHint`);
      for (const union of unionsIn(tool.inputSchema as Schema))
        problems.push(`${tool.name}: union at ${union}`);
    }
    expect(problems).toEqual([]);
  });

  it('every tool is in exactly one tool set, and the read-only set is the tools marked readOnlyHint', () => {
    expect(Object.keys(TOOL_SCOPES).sort()).toEqual(ALL_TOOLS.map((t) => t.name).sort());
    for (const tool of ALL_TOOLS) expect(TOOLSETS, tool.name).toContain(TOOL_SCOPES[tool.name]?.toolset);
    const perSet = TOOLSETS.map((set) => selectTools(ALL_TOOLS, { readOnly: false, toolsets: [set] }));
    expect(
      perSet
        .flat()
        .map((t) => t.name)
        .sort(),
    ).toEqual(ALL_TOOLS.map((t) => t.name).sort());
    const readOnly = selectTools(ALL_TOOLS, { readOnly: true }).map((t) => t.name);
    expect(readOnly).toEqual(tools.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name));
    expect(readOnly).toEqual(['get_account', 'list_sites', 'get_site', 'list_files', 'list_domains']);
    expect(scopesFor(selectTools(ALL_TOOLS, { readOnly: true }))).toEqual([...READ_ONLY_SCOPES]);
  });

  it('the guard finds a union in an input schema', () => {
    const input = z.object({ a: z.union([z.string(), z.number()]) });
    const json = input['~standard'].jsonSchema.input({ target: 'draft-2020-12' }) as Schema;
    expect(unionsIn(json)).toEqual(['#/properties/a/type']);
    const nullable = z.object({
      b: z.string().nullable().optional(),
      c: z.discriminatedUnion('k', [z.object({ k: z.literal('x') }), z.object({ k: z.literal('y') })]),
    });
    const more = nullable['~standard'].jsonSchema.input({ target: 'draft-2020-12' }) as Schema;
    expect(unionsIn(more).length).toBeGreaterThanOrEqual(2);
  });
});

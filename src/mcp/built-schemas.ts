// tools/list answers with every tool's JSON Schemas, and converting our 22 zod schemas to JSON
// Schema cost ~27 ms of each start (a CPU profile of spawn → tools/list: the largest part we add to
// the SDK's own start). The conversion is deterministic, so the bundle carries its result, made at
// build time by scripts/build.mjs with the same zod call (built-schemas-data.ts). Run from source
// (tests, tsx) there is none, and zod converts as before. Validation is zod's either way.
// test/e2e/startup-modules.test.ts checks that the built server lists what the source lists.
import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { BUILT_SCHEMAS } from './built-schemas-data.js';

/** What the SDK passes when it asks a schema for its JSON Schema. */
type JsonSchemaOptions = Parameters<StandardSchemaWithJSON['~standard']['jsonSchema']['input']>[0];

/** tool name → its schemas' JSON Schema as zod makes it for this target. */
export type BuiltSchemas = Record<string, { target: string; input: unknown; output: unknown }>;

/** What each tool's schemas convert to: what the build computes, and the fallback at run time. */
export function jsonSchemaOf(
  schema: StandardSchemaWithJSON,
  io: 'input' | 'output',
  target: JsonSchemaOptions['target'],
): unknown {
  return schema['~standard'].jsonSchema[io]({ target });
}

/**
 * `schema` as the SDK sees it: zod's own validation, and the JSON Schema the build made for
 * `tool`'s `role` schema when the SDK asks for the same target (else zod converts it).
 */
export function withBuiltJsonSchema<S extends StandardSchemaWithJSON>(
  tool: string,
  role: 'input' | 'output',
  schema: S,
  built: BuiltSchemas | undefined = BUILT_SCHEMAS,
): S {
  const entry = built?.[tool];
  if (!entry) return schema;
  const std = schema['~standard'];
  const answer = (io: 'input' | 'output') => (options: JsonSchemaOptions) =>
    io === role && options.target === entry.target
      ? (structuredClone(entry[role]) as Record<string, unknown>)
      : std.jsonSchema[io](options);
  return {
    '~standard': {
      version: std.version,
      vendor: std.vendor,
      validate: std.validate,
      ...(std.types ? { types: std.types } : {}),
      jsonSchema: { input: answer('input'), output: answer('output') },
    },
  } as S;
}

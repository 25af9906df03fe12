// The tools' JSON Schemas converted at build time (src/mcp/built-schemas.ts says why). Run from
// source there are none; in the bundle, scripts/build.mjs replaces this module by the data.
import type { BuiltSchemas } from './built-schemas.js';

export const BUILT_SCHEMAS: BuiltSchemas | undefined = undefined;

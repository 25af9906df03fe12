import { createRequire } from 'node:module';

// Replaced by the version itself in the bundle (scripts/build.mjs): there, no package.json sits
// beside the code. Run from source (tests, tsx), src/ sits one level under the package root.
declare const HOSTSMITH_MCP_VERSION: string | undefined;

export const VERSION: string =
  typeof HOSTSMITH_MCP_VERSION === 'string'
    ? HOSTSMITH_MCP_VERSION
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version;

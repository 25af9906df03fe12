// Tools the tests run that are not dependencies of the project (Node 22 and 24, the Inspector),
// installed at pinned versions by scripts/npm-cache-install.sh into a cache folder outside the
// repository: the first run downloads them, later runs find them.
//
//   const node22 = await npmCacheInstall(NODE_22);
//   const inspector = await npmCacheInstall(INSPECTOR, 'mcp-inspector');
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** Node 22 from the npm registry (the `node` package fetches its platform's binary). */
export const NODE_22 = 'node@22.23.3';
/** Node 24, for the end-to-end files the test command runs again (scripts/test-node-versions.ts). */
export const NODE_24 = 'node@24.21.0';
/** The MCP Inspector, whose CLI needs Node >= 22.19. */
export const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';

// Resolved here, not from mcp-server.ts: scripts/test-node-versions.ts imports this file outside
// Vitest, where mcp-server.ts (through capture.ts) would import vitest.
const SCRIPT = resolve(import.meta.dirname, '../../scripts/npm-cache-install.sh');

/**
 * The absolute path of `bin` of the package `spec` (NAME@EXACT-VERSION), installed if it is not
 * cached yet. Rejects with npm's own words when the install fails: the test then fails with the
 * reason, it is never skipped.
 */
export function npmCacheInstall(spec: string, bin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      SCRIPT,
      bin ? [spec, bin] : [spec],
      { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`Could not install ${spec} for the tests:\n${stderr || error.message}`));
        else resolve(stdout.trim());
      },
    );
  });
}

// THIRD_PARTY_NOTICES.md (in the published package) is current: what scripts/third-party-notices.ts
// renders today from what esbuild bundles, package-lock.json and node_modules. After a dependency
// change, or a change to what src/ imports, `npm run notices`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bundledPackageDirs, NOTICES_FILE, renderNotices } from '../../scripts/third-party-notices.js';
import { ROOT } from '../helpers/mcp-server.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** `text` as a regular expression that matches it literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const checkedIn = readFileSync(join(ROOT, NOTICES_FILE), 'utf8');
const rows = new Map(
  [...checkedIn.matchAll(/^\| (\S+) \| (\S+) \| (\S+) \| (bundled|dependency) \| /gm)].map((m) => [
    m[1],
    { version: m[2], licence: m[3], how: m[4] },
  ]),
);

it(`${NOTICES_FILE} is what \`npm run notices\` writes today`, { timeout: 30_000 }, async () => {
  expect(
    checkedIn === (await renderNotices(ROOT)),
    `${NOTICES_FILE} is out of date: run \`npm run notices\``,
  ).toBe(true);
});

it('lists exactly the bundled packages and the runtime dependencies, each with a licence text', {
  timeout: 30_000,
}, async () => {
  const bundled = (await bundledPackageDirs(ROOT)).map((dir) =>
    dir.slice(dir.lastIndexOf('node_modules/') + 13),
  );
  // What the program imports is in the bundle: the SDK, zod, undici, openid-client and its jose.
  expect(bundled).toEqual(
    expect.arrayContaining([
      '@modelcontextprotocol/server',
      'zod',
      'undici',
      'openid-client',
      'jose',
      'open',
    ]),
  );
  expect(
    [...rows]
      .filter(([, r]) => r.how === 'bundled')
      .map(([name]) => name)
      .sort(),
  ).toEqual([...new Set(bundled)].sort());
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    expect(rows.get(name), name).toEqual({
      version,
      licence: expect.stringMatching(/^[A-Za-z0-9.-]+$/),
      how: 'dependency',
    });
    expect(checkedIn, `${name}'s licence text`).toMatch(
      new RegExp(`^### (.*, )?${literal(`${name} ${version}`)}(,|$)`, 'm'),
    );
  }
  // Development tools are neither bundled nor installed: not listed.
  for (const name of ['typescript', 'vitest', 'esbuild', 'oidc-provider', '@modelcontextprotocol/client']) {
    expect(pkg.devDependencies[name], name).toBeDefined();
    expect(rows.has(name), name).toBe(false);
  }
  expect(rows.get('jose')).toEqual({ version: expect.any(String), licence: 'MIT', how: 'bundled' });
});

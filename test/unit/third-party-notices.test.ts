// THIRD_PARTY_NOTICES.md (in the published package) is current: what scripts/third-party-notices.ts
// renders from package-lock.json and node_modules today. After a dependency change, `npm run notices`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { NOTICES_FILE, renderNotices } from '../../scripts/third-party-notices.js';
import { ROOT } from '../helpers/mcp-server.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** `text` as a regular expression that matches it literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const checkedIn = readFileSync(join(ROOT, NOTICES_FILE), 'utf8');

it(`${NOTICES_FILE} is what \`npm run notices\` writes today`, () => {
  expect(checkedIn === renderNotices(ROOT), `${NOTICES_FILE} is out of date: run \`npm run notices\``).toBe(
    true,
  );
});

it('lists every runtime dependency at its pinned version with a licence, and no development tool', () => {
  const rows = new Map(
    [...checkedIn.matchAll(/^\| (\S+) \| (\S+) \| (\S+) \| /gm)].map((m) => [
      m[1],
      { version: m[2], licence: m[3] },
    ]),
  );
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    expect(rows.get(name), name).toEqual({ version, licence: expect.stringMatching(/^[A-Za-z0-9.-]+$/) });
    expect(checkedIn, `${name}'s licence text`).toMatch(
      new RegExp(`^### (.*, )?${literal(`${name} ${version}`)}(,|$)`, 'm'),
    );
  }
  for (const name of Object.keys(pkg.devDependencies)) expect(rows.has(name), name).toBe(false);
  // Transitive ones too: undici is direct, jose comes through openid-client.
  expect(rows.get('jose')?.licence).toBe('MIT');
});

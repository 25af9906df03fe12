// A host that is not in the cache fails its tests with the reason: npm's own words when the
// install failed, else the command that installs it. Never a skip.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/mcp-server.js';
import { installedHost, pinnedVersion } from './host-cache.js';

let saved: string | undefined;
let cache: string;
beforeEach(() => {
  saved = process.env.HOSTSMITH_HOSTS_CACHE;
  cache = tempDir('hostsmith-hosts-cache-');
  process.env.HOSTSMITH_HOSTS_CACHE = cache;
});
afterEach(() => {
  if (saved === undefined) delete process.env.HOSTSMITH_HOSTS_CACHE;
  else process.env.HOSTSMITH_HOSTS_CACHE = saved;
});

describe('the hosts cache', () => {
  it('names the install command when a host is missing', () => {
    expect(() => installedHost('@openai/codex')).toThrow(
      /is not installed in .*: run scripts\/install-hosts\.sh/,
    );
  });

  it("passes on npm's words when the install failed", () => {
    const version = pinnedVersion('@openai/codex');
    writeFileSync(
      join(cache, `@openai+codex@${version}.failed`),
      'npm error 404 Not Found - GET https://registry',
    );
    expect(() => installedHost('@openai/codex')).toThrow(/could not be installed: npm error 404 Not Found/);
  });

  it('finds an installed host by its pinned version', () => {
    const version = pinnedVersion('@openai/codex');
    const dir = join(cache, `@openai+codex@${version}`);
    mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/.bin/codex'), '');
    // Not complete until the install marked it so.
    expect(() => installedHost('@openai/codex')).toThrow(/is not installed/);
    writeFileSync(join(dir, '.installed'), '');
    expect(installedHost('@openai/codex')).toMatchObject({
      version,
      bin: join(dir, 'node_modules/.bin/codex'),
    });
  });
});

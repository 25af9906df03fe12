// Where credentials live: the config home, the client folder name, the folders found.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configHome, listClientFolders, safeClientName, storeDir } from '../../src/store/paths.js';

describe('safeClientName', () => {
  it.each([
    ['claude-ai', 'claude-ai'],
    ['Visual Studio Code', 'visual-studio-code'],
    ['cursor-vscode', 'cursor-vscode'],
    ['Cursor', 'cursor'],
    ['My  Client / v2', 'my-client-v2'],
    ['a__b..c--d', 'a__b..c-d'],
    ['--x--', 'x'],
    ['..x..', 'x'],
    ['.-.x.-.', 'x'],
    ['x y', 'x-y'],
    ['Zed 0.150', 'zed-0.150'],
    ['ÄÖÜ client', 'client'],
    ['日本語', 'mcp-client'],
    ['', 'mcp-client'],
    ['   ', 'mcp-client'],
    ['..', 'mcp-client'],
    ['.', 'mcp-client'],
    ['../../etc/passwd', 'etc-passwd'],
    ['a/b\\c', 'a-b-c'],
    ['a'.repeat(80), 'a'.repeat(64)],
    // Cut at 64, then trimmed again: no trailing '-' or '.' after the cut.
    [`${'a'.repeat(63)} b`, 'a'.repeat(63)],
    [`${'a'.repeat(63)}.b`, 'a'.repeat(63)],
  ])('%j → %j', (input, expected) => {
    const safe = safeClientName(input);
    expect(safe).toBe(expected);
    expect(safe).toMatch(/^[a-z0-9_]([a-z0-9._-]{0,62}[a-z0-9_])?$/);
  });
});

describe('configHome', () => {
  const saved = process.env.XDG_CONFIG_HOME;
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = saved;
  });

  it('is $XDG_CONFIG_HOME itself, with no folder of ours added', () => {
    process.env.XDG_CONFIG_HOME = '/srv/config-home';
    expect(configHome()).toBe('/srv/config-home');
  });

  it('is ~/.config without XDG_CONFIG_HOME', () => {
    delete process.env.XDG_CONFIG_HOME;
    expect(configHome()).toBe(join(homedir(), '.config'));
  });

  it('is --config-dir when given', () => {
    process.env.XDG_CONFIG_HOME = '/srv/config-home';
    expect(configHome({ configDir: '/tmp/elsewhere' })).toBe('/tmp/elsewhere');
  });
});

describe('storeDir and listClientFolders', () => {
  it('is <root>/<client>/hostsmith', () => {
    expect(storeDir('/r', 'claude-ai')).toBe('/r/claude-ai/hostsmith');
  });

  it('lists only the client folders holding hostsmith/oauth.json, sorted', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hostsmith-paths-'));
    for (const client of ['visual-studio-code', 'claude-ai', 'empty', 'other-app']) {
      mkdirSync(storeDir(root, client), { recursive: true });
    }
    writeFileSync(join(storeDir(root, 'visual-studio-code'), 'oauth.json'), '{}');
    writeFileSync(join(storeDir(root, 'claude-ai'), 'oauth.json'), '{}');
    mkdirSync(join(root, 'other-app', 'settings'));
    writeFileSync(join(root, 'other-app', 'oauth.json'), '{}'); // not ours: no hostsmith/ folder
    writeFileSync(join(root, 'a-file'), '');
    expect(listClientFolders(root)).toEqual(['claude-ai', 'visual-studio-code']);
    expect(listClientFolders(join(root, 'missing'))).toEqual([]);
  });
});

// Where credentials live: the config home on each platform, what protects the file there, the
// client folder name, the folders found.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { warnIfOutsideProfile } from '../../src/commands/shared/config-root.js';
import { configHome, safeClientName, storeDir } from '../../src/store/paths.js';
import { listClientFolders } from '../../src/store/profile.js';
import { fileProtection, isInside, outsideProfileWarning } from '../../src/store/protection.js';

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
  // The rule is the same on every platform; only the path syntax differs.
  it.each([
    ['linux', {}, '/home/ada', '/home/ada/.config'],
    ['darwin', {}, '/Users/ada', '/Users/ada/.config'],
    ['win32', {}, 'C:\\Users\\Ada', 'C:\\Users\\Ada\\.config'],
    ['linux', { XDG_CONFIG_HOME: '/srv/config-home' }, '/home/ada', '/srv/config-home'],
    ['darwin', { XDG_CONFIG_HOME: '/Users/ada/dotfiles' }, '/Users/ada', '/Users/ada/dotfiles'],
    ['win32', { XDG_CONFIG_HOME: 'D:\\cfg' }, 'C:\\Users\\Ada', 'D:\\cfg'],
    ['win32', { XDG_CONFIG_HOME: 'C:/Users/Ada/cfg' }, 'C:\\Users\\Ada', 'C:\\Users\\Ada\\cfg'],
    // Empty or relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    ['linux', { XDG_CONFIG_HOME: '' }, '/home/ada', '/home/ada/.config'],
    ['darwin', { XDG_CONFIG_HOME: 'relative/cfg' }, '/Users/ada', '/Users/ada/.config'],
    ['win32', { XDG_CONFIG_HOME: 'cfg' }, 'C:\\Users\\Ada', 'C:\\Users\\Ada\\.config'],
  ] as const)('%s with %j and home %s → %s', (platform, env, home, expected) => {
    expect(configHome({ platform, env, home })).toBe(expected);
  });

  it.each(['linux', 'darwin', 'win32'] as const)('is --config-dir when given, on %s', (platform) => {
    const env = { XDG_CONFIG_HOME: '/srv/config-home' };
    expect(configHome({ configDir: '/tmp/elsewhere', platform, env, home: '/h' })).toBe('/tmp/elsewhere');
  });

  it("defaults to this process's platform, environment and home folder", () => {
    const saved = process.env.XDG_CONFIG_HOME;
    try {
      delete process.env.XDG_CONFIG_HOME;
      expect(configHome()).toBe(join(homedir(), '.config'));
      process.env.XDG_CONFIG_HOME = '/srv/config-home';
      expect(configHome()).toBe('/srv/config-home');
    } finally {
      if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved;
    }
  });
});

describe('what protects the file, per platform', () => {
  it('claims POSIX modes only where they mean something', () => {
    expect(fileProtection('linux')).toBe('mode 0600, folder 0700');
    expect(fileProtection('darwin')).toBe('mode 0600, folder 0700');
    expect(fileProtection('win32')).not.toMatch(/0600|0700|mode/);
    expect(fileProtection('win32')).toMatch(/user profile's access control list/);
  });

  it.each([
    ['C:\\Users\\Ada\\.config', true],
    ['c:\\users\\ada\\.config', true], // Windows paths ignore case
    ['C:/Users/Ada/AppData/cfg', true],
    ['C:\\Users\\Ada', true],
    ['C:\\Users\\Adam\\.config', false], // a sibling whose name starts the same
    ['C:\\Users\\Ada\\..\\Bob\\.config', false],
    ['D:\\cfg', false],
    ['C:\\ProgramData\\hostsmith', false],
    ['\\\\server\\share\\cfg', false],
  ])('win32: %s inside C:\\Users\\Ada → %s', (root, inside) => {
    expect(isInside(root, 'C:\\Users\\Ada', 'win32')).toBe(inside);
    const warning = outsideProfileWarning(root, 'C:\\Users\\Ada', 'win32');
    if (inside) expect(warning).toBeUndefined();
    else expect(warning).toContain(`${root} is outside your user profile (C:\\Users\\Ada)`);
  });

  it('never warns on Linux or macOS, where the file mode protects it wherever it is', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      expect(outsideProfileWarning('/srv/shared', '/home/ada', platform)).toBeUndefined();
    }
    // …but the path rule is the platform's: case matters there.
    expect(isInside('/HOME/ADA/.config', '/home/ada', 'linux')).toBe(false);
    expect(isInside('/home/ada/..config', '/home/ada', 'linux')).toBe(true);
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

describe('warnIfOutsideProfile', () => {
  const run = (configDir: string | undefined, platform: NodeJS.Platform, env: NodeJS.ProcessEnv = {}) => {
    const lines: string[] = [];
    warnIfOutsideProfile({ configDir }, { err: (t) => lines.push(t), env }, platform, 'C:\\Users\\Ada');
    return lines;
  };

  it('says it on stderr when a Windows config root is outside the profile, from --config-dir or XDG', () => {
    const lines = run('D:\\shared\\cfg', 'win32');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hostsmith-mcp: warning: The credentials folder D:\\shared\\cfg is outside/);
    expect(run(undefined, 'win32', { XDG_CONFIG_HOME: 'E:\\xdg' })).toHaveLength(1);
  });

  it('says nothing for the default root, a root inside the profile, or on other platforms', () => {
    expect(run(undefined, 'win32')).toEqual([]);
    expect(run('c:\\users\\ada\\hostsmith', 'win32')).toEqual([]);
    expect(run('/srv/shared', 'linux')).toEqual([]);
    expect(run('/srv/shared', 'darwin')).toEqual([]);
  });
});

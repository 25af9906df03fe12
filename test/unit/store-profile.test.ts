// Profiles: where each profile's credentials live on each platform, its keychain account, which
// names are profile names (and what the refusal says), which profiles a folder holds, and how the
// setting reaches the login hint and the `config` entry.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { entryName } from '../../src/commands/config/hosts.js';
import { describeSet, loginHint } from '../../src/commands/shared/credential-sets.js';
import { ENV, resolveSettings, SettingsError } from '../../src/config.js';
import type { IO } from '../../src/io.js';
import { loginCommand } from '../../src/mcp/login-command.js';
import { storeDir } from '../../src/store/paths.js';
import {
  credentialDir,
  DEFAULT_PROFILE,
  isProfileName,
  listClientFolders,
  listCredentials,
  listProfiles,
  PROFILE_RULE,
  profileDir,
  profileKeychainAccount,
  profileNameProblem,
} from '../../src/store/profile.js';

const API = 'https://api.hostsmith.net';

describe('profileDir', () => {
  it.each([
    ['linux', '/home/ada/.config', '/home/ada/.config/claude-ai/hostsmith'],
    ['darwin', '/Users/ada/.config', '/Users/ada/.config/claude-ai/hostsmith'],
    ['win32', 'C:\\Users\\ada\\.config', 'C:\\Users\\ada\\.config\\claude-ai\\hostsmith'],
  ] as const)('default keeps the folder there was before profiles (%s)', (platform, root, dir) => {
    expect(profileDir(root, 'claude-ai', DEFAULT_PROFILE, platform)).toBe(dir);
    expect(profileDir(root, 'claude-ai', undefined, platform)).toBe(dir);
    expect(storeDir(root, 'claude-ai', platform)).toBe(dir);
  });

  it.each([
    ['linux', '/home/ada/.config', '/home/ada/.config/claude-ai/hostsmith/profiles/work'],
    ['darwin', '/Users/ada/.config', '/Users/ada/.config/claude-ai/hostsmith/profiles/work'],
    ['win32', 'C:\\Users\\ada\\.config', 'C:\\Users\\ada\\.config\\claude-ai\\hostsmith\\profiles\\work'],
  ] as const)('another profile lives in hostsmith/profiles/<name> (%s)', (platform, root, dir) => {
    expect(profileDir(root, 'claude-ai', 'work', platform)).toBe(dir);
    expect(profileDir(root, 'claude-ai', 'personal', platform)).not.toBe(dir);
  });
});

describe('profileKeychainAccount', () => {
  it('default keeps <client>|<resource>; another is <client>|<name>|<resource>', () => {
    expect(profileKeychainAccount('claude-ai', DEFAULT_PROFILE, API)).toBe(`claude-ai|${API}`);
    expect(profileKeychainAccount('claude-ai', 'work', API)).toBe(`claude-ai|work|${API}`);
    expect(profileKeychainAccount('claude-ai', 'personal', API)).toBe(`claude-ai|personal|${API}`);
  });
});

describe('profile names', () => {
  it.each([
    'default',
    'work',
    'personal',
    'a',
    'client-2',
    'team_b',
    '0',
    'x'.repeat(32),
  ])('%s is one', (n) => {
    expect(isProfileName(n)).toBe(true);
    expect(profileNameProblem(n)).toBeUndefined();
  });

  it.each([
    '',
    'Work',
    '-work',
    '_work',
    'a.b',
    '..',
    'a/b',
    'a\\b',
    'a|b',
    'a b',
    'x'.repeat(33),
    'wörk',
  ])('"%s" is not, and the refusal says the rule', (n) => {
    expect(isProfileName(n)).toBe(false);
    expect(profileNameProblem(n)).toBe(`"${n}" is not a profile name: ${PROFILE_RULE}`);
  });

  it.each(['con', 'nul', 'aux', 'prn', 'com1', 'lpt9'])('"%s" is not: a Windows device name', (n) => {
    expect(profileNameProblem(n)).toMatch(/reserved device name on Windows\): a profile name is 1 to 32/);
  });

  it('the setting: flag over environment, validated with the rule named', () => {
    expect(resolveSettings({}, {}).profile).toBeUndefined();
    expect(resolveSettings({}, { [ENV.profile]: 'personal' }).profile).toBe('personal');
    expect(resolveSettings({ profile: 'work' }, { [ENV.profile]: 'personal' }).profile).toBe('work');
    expect(() => resolveSettings({ profile: '../x' }, {})).toThrow(SettingsError);
    expect(() => resolveSettings({}, { [ENV.profile]: 'Work' })).toThrow(
      `--profile / HOSTSMITH_MCP_PROFILE: "Work" is not a profile name: ${PROFILE_RULE}`,
    );
  });
});

describe('listProfiles and listClientFolders', () => {
  it('finds default first, then the others sorted; a folder with only profiles is a client folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hostsmith-profiles-'));
    const put = (client: string, profile: string) => {
      const dir = profileDir(root, client, profile);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'oauth.json'), '{}');
    };
    put('claude-ai', 'work');
    put('claude-ai', DEFAULT_PROFILE);
    put('claude-ai', 'personal');
    put('cursor-vscode', 'work'); // only a profile, no default
    mkdirSync(profileDir(root, 'claude-ai', 'empty'), { recursive: true }); // no oauth.json
    mkdirSync(join(storeDir(root, 'claude-ai'), 'profiles', 'Bad.Name'), { recursive: true });
    writeFileSync(join(storeDir(root, 'claude-ai'), 'profiles', 'Bad.Name', 'oauth.json'), '{}');
    mkdirSync(storeDir(root, 'empty-client'), { recursive: true });

    expect(listProfiles(root, 'claude-ai')).toEqual(['default', 'personal', 'work']);
    expect(listProfiles(root, 'cursor-vscode')).toEqual(['work']);
    expect(listProfiles(root, 'missing')).toEqual([]);
    expect(listClientFolders(root)).toEqual(['claude-ai', 'cursor-vscode']);
  });
});

describe('listCredentials: read-only grants beside each profile', () => {
  it('finds each profile full before read-only; a folder holding only a read-only grant is a client folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hostsmith-ro-profiles-'));
    const put = (client: string, profile: string, readOnly: boolean) => {
      const dir = credentialDir(root, client, { profile, readOnly });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'oauth.json'), '{}');
    };
    put('claude-ai', 'work', true);
    put('claude-ai', DEFAULT_PROFILE, true);
    put('claude-ai', 'work', false);
    put('claude-ai', 'work-ro', false); // a profile named like a read-only folder is a profile
    put('cursor-vscode', 'personal', true); // only a profile's read-only grant
    put('zed', DEFAULT_PROFILE, true); // only the default read-only grant

    expect(listCredentials(root, 'claude-ai')).toEqual([
      { profile: 'default', readOnly: true },
      { profile: 'work', readOnly: false },
      { profile: 'work', readOnly: true },
      { profile: 'work-ro', readOnly: false },
    ]);
    expect(listCredentials(root, 'claude-ai', 'work')).toEqual([
      { profile: 'work', readOnly: false },
      { profile: 'work', readOnly: true },
    ]);
    expect(listProfiles(root, 'claude-ai')).toEqual(['default', 'work', 'work-ro']);
    expect(listProfiles(root, 'cursor-vscode')).toEqual(['personal']);
    expect(listClientFolders(root)).toEqual(['claude-ai', 'cursor-vscode', 'zed']);
  });

  it('labels and login hints carry the profile and read-only', () => {
    expect(describeSet('claude-ai', DEFAULT_PROFILE)).toBe('claude-ai');
    expect(describeSet('claude-ai', DEFAULT_PROFILE, true)).toBe('claude-ai (read-only)');
    expect(describeSet('claude-ai', 'work', true)).toBe('claude-ai (profile work) (read-only)');
    expect(loginHint('claude-ai', 'work', true)).toBe(
      'hostsmith-mcp login --client claude-ai --profile work --read-only',
    );
    expect(loginHint('claude-ai', DEFAULT_PROFILE, false)).toBe('hostsmith-mcp login --client claude-ai');
    const target = { clientFolder: 'claude-ai', apiUrl: API, storage: 'auto' as const };
    expect(loginCommand({ ...target, profile: 'work', readOnly: true }, 'win32')).toBe(
      'npx hostsmith-mcp login --client claude-ai --profile work --read-only',
    );
  });
});

describe('the profile in the login hint and the config entry', () => {
  it('the login command names a profile other than default', () => {
    const target = { clientFolder: 'claude-ai', apiUrl: API, storage: 'auto' as const };
    expect(loginCommand({ ...target, profile: 'work' }, 'linux')).toBe(
      'npx hostsmith-mcp login --client claude-ai --profile work',
    );
    expect(loginCommand({ ...target, profile: DEFAULT_PROFILE }, 'win32')).toBe(
      'npx hostsmith-mcp login --client claude-ai',
    );
  });

  it('entry names: hostsmith for default, hostsmith-<name> for another', () => {
    expect(entryName(undefined)).toBe('hostsmith');
    expect(entryName(DEFAULT_PROFILE)).toBe('hostsmith');
    expect(entryName('work')).toBe('hostsmith-work');
  });

  it('`config <client> --profile work` folds it into the args and names the entry', async () => {
    let out = '';
    let err = '';
    const io: IO = {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env: {},
      stdin: Readable.from([]),
      isTTY: false,
    };
    expect(await main(['config', 'claude-code', '--platform', 'linux', '--profile', 'work'], io)).toBe(0);
    expect(out).toContain(
      'claude mcp add --scope user hostsmith-work -- npx -y hostsmith-mcp --profile work',
    );
    expect(out).toContain('"hostsmith-work": {');
    out = '';
    expect(await main(['config', 'cursor', '--platform', 'win32', '--profile', 'a/b'], io)).toBe(2);
    expect(err).toContain(`"a/b" is not a profile name: ${PROFILE_RULE}`);
    expect(out).toBe('');
  });
});

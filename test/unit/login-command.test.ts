// quoteArg (src/shell-quote.ts) serves `config` too. The terminal command a tool error hands the person who said no to the sign-in dialog: every
// non-default setting, quoted for the platform's shell (POSIX sh; PowerShell on Windows).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_API_URL } from '../../src/config.js';
import { type LoginTarget, loginCommand } from '../../src/mcp/login-command.js';
import { quoteArg, shellFor, shellLine } from '../../src/shell-quote.js';

const DEFAULTS: LoginTarget = { clientFolder: 'claude-ai', apiUrl: DEFAULT_API_URL, storage: 'auto' };

describe('loginCommand', () => {
  it.each(['linux', 'darwin', 'win32'] as const)('%s: defaults give only the client folder', (platform) => {
    expect(loginCommand(DEFAULTS, platform)).toBe('npx hostsmith-mcp login --client claude-ai');
  });

  it.each(['linux', 'darwin', 'win32'] as const)('%s: every non-default setting, in order', (platform) => {
    const command = loginCommand(
      { clientFolder: 'codex', apiUrl: 'http://127.0.0.1:4000', configDir: '/srv/cfg', storage: 'file' },
      platform,
    );
    expect(command).toBe(
      'npx hostsmith-mcp login --client codex --api-url http://127.0.0.1:4000 --config-dir /srv/cfg --storage file',
    );
  });

  it.each(['linux', 'darwin', 'win32'] as const)('%s: a read-only server says --read-only', (platform) => {
    expect(loginCommand({ ...DEFAULTS, readOnly: true }, platform)).toBe(
      'npx hostsmith-mcp login --client claude-ai --read-only',
    );
  });

  it('keychain storage is named; auto is not', () => {
    expect(loginCommand({ ...DEFAULTS, storage: 'keychain' }, 'darwin')).toBe(
      'npx hostsmith-mcp login --client claude-ai --storage keychain',
    );
  });

  it('linux and darwin: a config folder with spaces and a quote, single-quoted', () => {
    const target = { ...DEFAULTS, configDir: "/Users/Ada Lovelace/Ada's config" };
    for (const platform of ['linux', 'darwin'] as const) {
      expect(loginCommand(target, platform)).toBe(
        `npx hostsmith-mcp login --client claude-ai --config-dir '/Users/Ada Lovelace/Ada'\\''s config'`,
      );
    }
  });

  it('win32: a config folder with spaces and backslashes, double-quoted for PowerShell', () => {
    const target = { ...DEFAULTS, configDir: 'C:\\Users\\Ada Lovelace\\hostsmith $cfg' };
    expect(loginCommand(target, 'win32')).toBe(
      'npx hostsmith-mcp login --client claude-ai --config-dir "C:\\Users\\Ada Lovelace\\hostsmith `$cfg"',
    );
    expect(shellFor('win32')).toBe('PowerShell');
    expect(shellFor('linux')).toBe('a terminal');
  });
});

describe('quoteArg', () => {
  it.each([
    ['plain', 'plain', 'plain'],
    ['/home/ada/.config', '/home/ada/.config', '/home/ada/.config'],
    ['C:\\Users\\ada', "'C:\\Users\\ada'", 'C:\\Users\\ada'],
    ['with space', "'with space'", '"with space"'],
    ['', "''", '""'],
    ["it's", "'it'\\''s'", `"it's"`],
    ['say "hi"', `'say "hi"'`, '"say `"hi`""'],
    ['$HOME', "'$HOME'", '"`$HOME"'],
    ['a`b', "'a`b'", '"a``b"'],
    ['%APPDATA%', '%APPDATA%', '"%APPDATA%"'],
    ['a;b&c|d', "'a;b&c|d'", '"a;b&c|d"'],
    ['C:\\My Files\\', "'C:\\My Files\\'", '"C:\\My Files\\"'],
    ['\u201Csmart\u201D', "'\u201Csmart\u201D'", '"`\u201Csmart`\u201D"'],
    ['~/x', "'~/x'", '"~/x"'],
    ['*', "'*'", '"*"'],
  ])('%j → POSIX %s, PowerShell %s', (value, posix, powershell) => {
    expect(quoteArg(value, 'linux')).toBe(posix);
    expect(quoteArg(value, 'darwin')).toBe(posix);
    expect(quoteArg(value, 'win32')).toBe(powershell);
  });

  it('POSIX quoting survives a real sh word for word', () => {
    const values = ["it's", '$HOME `id` $(id)', 'a b\tc', 'back\\slash\\', '"q"', '*', '', 'new\nline', '!'];
    const line = shellLine(values, 'linux');
    // printf prints each argument between < and >, so the words come back exactly as sh split them.
    const out = execFileSync('sh', ['-c', `printf '<%s>' ${line}`], { encoding: 'utf8' });
    expect(out).toBe(values.map((v) => `<${v}>`).join(''));
  });
});

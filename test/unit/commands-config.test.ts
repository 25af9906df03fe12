// `hostsmith-mcp config <client>`: the entry for each host on each platform (the pure builder),
// the quoting of the terminal commands, the command itself through main(), and the README's copy.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import {
  CODEX_LINUX_ENV_VARS,
  HOST_IDS,
  type HostId,
  hostEntry,
  launch,
} from '../../src/commands/config/hosts.js';
import { PLATFORMS, type Platform } from '../../src/shell-quote.js';
import { fakeIO } from '../helpers/fake-io.js';

const ARGS = ['--client', 'work laptop', '--no-browser'];

/** The command and args an entry's snippet makes the host start. */
function started(host: HostId, platform: Platform): { command: string; args: string[]; type?: string } {
  const { snippet } = hostEntry(host, { platform, serverArgs: ARGS });
  if (snippet.format === 'toml') {
    const command = /^command = (".*")$/m.exec(snippet.text)?.[1];
    const args = /^args = (\[.*\])$/m.exec(snippet.text)?.[1];
    return { command: JSON.parse(command!), args: JSON.parse(args!) };
  }
  type Server = { command: string; args: string[]; type?: string };
  const doc = JSON.parse(snippet.text) as Record<string, Record<string, Server>>;
  const root = host === 'vscode' ? 'servers' : 'mcpServers';
  expect(Object.keys(doc)).toEqual([root]);
  expect(Object.keys(doc[root]!)).toEqual(['hostsmith']);
  return doc[root]!.hostsmith!;
}

const CONFIG_FILES: Record<HostId, Record<Platform, string>> = {
  'claude-desktop': {
    linux: '~/.config/Claude/claude_desktop_config.json',
    darwin: '~/Library/Application Support/Claude/claude_desktop_config.json',
    win32: '%APPDATA%\\Claude\\claude_desktop_config.json',
  },
  'claude-code': { linux: '~/.claude.json', darwin: '~/.claude.json', win32: '%USERPROFILE%\\.claude.json' },
  cursor: {
    linux: '~/.cursor/mcp.json',
    darwin: '~/.cursor/mcp.json',
    win32: '%USERPROFILE%\\.cursor\\mcp.json',
  },
  vscode: {
    linux: '.vscode/mcp.json (this workspace)',
    darwin: '.vscode/mcp.json (this workspace)',
    win32: '.vscode/mcp.json (this workspace)',
  },
  windsurf: {
    linux: '~/.codeium/windsurf/mcp_config.json',
    darwin: '~/.codeium/windsurf/mcp_config.json',
    win32: '%USERPROFILE%\\.codeium\\windsurf\\mcp_config.json',
  },
  codex: {
    linux: '~/.codex/config.toml',
    darwin: '~/.codex/config.toml',
    win32: '%USERPROFILE%\\.codex\\config.toml',
  },
  gemini: {
    linux: '~/.gemini/settings.json',
    darwin: '~/.gemini/settings.json',
    win32: '%USERPROFILE%\\.gemini\\settings.json',
  },
};

const cases = HOST_IDS.flatMap((host) => PLATFORMS.map((platform) => [host, platform] as const));

describe('hostEntry, for every host on every platform', () => {
  it('covers the seven hosts the README names', () => {
    expect(HOST_IDS).toEqual([
      'claude-desktop',
      'claude-code',
      'cursor',
      'vscode',
      'windsurf',
      'codex',
      'gemini',
    ]);
  });

  it.each(
    cases,
  )('%s on %s: starts npx, through cmd /c on Windows, with the settings last', (host, platform) => {
    const run = started(host, platform);
    if (platform === 'win32') {
      expect(run.command).toBe('cmd');
      expect(run.args).toEqual(['/c', 'npx', '-y', 'hostsmith-mcp', ...ARGS]);
    } else {
      expect(run.command).toBe('npx');
      expect(run.args).toEqual(['-y', 'hostsmith-mcp', ...ARGS]);
    }
    expect(run).toEqual({ ...launch(platform, ARGS), ...(host === 'vscode' ? { type: 'stdio' } : {}) });
  });

  it.each(cases)('%s on %s: names the usual config file, spelled for the platform', (host, platform) => {
    const entry = hostEntry(host, { platform });
    expect(entry.configFile).toBe(CONFIG_FILES[host][platform]);
    const notes = entry.notes.join('\n');
    expect(notes.includes('cmd /c')).toBe(platform === 'win32');
    // The nvm/mise note is for macOS apps started from the Dock, not for terminal tools.
    const gui = ['claude-desktop', 'cursor', 'vscode', 'windsurf'].includes(host);
    expect(notes.includes('"PATH"')).toBe(platform === 'darwin' && gui);
  });

  it('VS Code: a "servers" object with type stdio, in the workspace or the user mcp.json', () => {
    expect(hostEntry('vscode', { platform: 'darwin' }).otherFiles).toEqual([
      '~/Library/Application Support/Code/User/mcp.json (every workspace)',
    ]);
    expect(hostEntry('vscode', { platform: 'win32' }).otherFiles).toEqual([
      '%APPDATA%\\Code\\User\\mcp.json (every workspace)',
    ]);
    expect(hostEntry('vscode', { platform: 'linux' }).otherFiles).toEqual([
      '~/.config/Code/User/mcp.json (every workspace)',
    ]);
    expect(started('vscode', 'linux').type).toBe('stdio');
  });

  it('Claude Code and Codex: the terminal command that adds it, quoted for the shell', () => {
    expect(hostEntry('claude-code', { platform: 'linux', serverArgs: ARGS }).command).toBe(
      "claude mcp add --scope user hostsmith -- npx -y hostsmith-mcp --client 'work laptop' --no-browser",
    );
    expect(hostEntry('claude-code', { platform: 'win32', serverArgs: ARGS }).command).toBe(
      'claude mcp add --scope user hostsmith -- cmd /c npx -y hostsmith-mcp --client "work laptop" --no-browser',
    );
    expect(hostEntry('codex', { platform: 'darwin' }).command).toBe(
      'codex mcp add hostsmith -- npx -y hostsmith-mcp',
    );
    expect(hostEntry('codex', { platform: 'win32' }).command).toBe(
      'codex mcp add hostsmith -- cmd /c npx -y hostsmith-mcp',
    );
    for (const host of ['claude-desktop', 'cursor', 'vscode', 'windsurf', 'gemini'] as const) {
      expect(hostEntry(host, { platform: 'linux' }).command).toBeUndefined();
    }
  });

  it('Codex on Linux passes through what the keychain and a browser need, and says why', () => {
    const linux = hostEntry('codex', { platform: 'linux' });
    const line = /^env_vars = (\[.*\])$/m.exec(linux.snippet.text)?.[1];
    const vars = JSON.parse(line!) as string[];
    expect(vars).toEqual([...CODEX_LINUX_ENV_VARS]);
    for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY', 'BROWSER']) {
      expect(vars).toContain(name);
    }
    expect(linux.snippet.text.startsWith('[mcp_servers.hostsmith]\n')).toBe(true);
    expect(linux.notes.join('\n')).toMatch(/cannot write env_vars/);
    for (const platform of ['darwin', 'win32'] as const) {
      expect(hostEntry('codex', { platform }).snippet.text).not.toMatch(/env_vars/);
    }
  });

  it('macOS: the PATH note names the folder holding this node, once', () => {
    const notes = hostEntry('cursor', {
      platform: 'darwin',
      nodeDir: '/Users/ada/.nvm/versions/node/v22.11.0/bin',
    }).notes;
    expect(notes.join('\n')).toContain(
      '"env": { "PATH": "/Users/ada/.nvm/versions/node/v22.11.0/bin:/usr/local/bin:/opt/homebrew/bin:/usr/bin:/bin" }',
    );
    const system = hostEntry('cursor', { platform: 'darwin', nodeDir: '/usr/local/bin' }).notes.join('\n');
    expect(system).toContain('"PATH": "/usr/local/bin:/opt/homebrew/bin:/usr/bin:/bin"');
  });
});

describe('hostsmith-mcp config, through main()', () => {
  it('prints the entry with the settings given folded into args, and the config file', async () => {
    const io = fakeIO();
    const code = await main(
      [
        'config',
        'cursor',
        '--platform',
        'win32',
        '--api-url',
        'http://127.0.0.1:8787/',
        '--storage',
        'file',
        '--sign-in-wait',
        '90',
        '--config-dir',
        'D:\\hostsmith cfg',
      ],
      io,
    );
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    const out = io.stdout();
    expect(out).toMatch(/^Cursor on Windows\nConfig file: %USERPROFILE%\\\.cursor\\mcp\.json\n/);
    const json = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as {
      mcpServers: { hostsmith: { command: string; args: string[] } };
    };
    expect(json.mcpServers.hostsmith).toEqual({
      command: 'cmd',
      args: [
        '/c',
        'npx',
        '-y',
        'hostsmith-mcp',
        '--api-url',
        'http://127.0.0.1:8787', // as the server will spell it
        '--config-dir',
        'D:\\hostsmith cfg',
        '--storage',
        'file',
        '--sign-in-wait',
        '90',
      ],
    });
  });

  it('makes a relative --config-dir absolute: the host starts the server elsewhere', async () => {
    const io = fakeIO();
    expect(await main(['config', 'gemini', '--platform', 'linux', '--config-dir', 'rel/cfg'], io)).toBe(0);
    expect(io.stdout()).toContain(`"--config-dir", ${JSON.stringify(`${process.cwd()}/rel/cfg`)}`);
  });

  it('an unknown client: exit 2, naming the valid ones', async () => {
    const io = fakeIO();
    expect(await main(['config', 'zed'], io)).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toContain(
      'unknown client "zed": say one of claude-desktop, claude-code, cursor, vscode, windsurf, codex, gemini',
    );
    const none = fakeIO();
    expect(await main(['config'], none)).toBe(2);
    expect(none.stderr()).toMatch(/which client\?.*claude-desktop/);
  });

  it('a bad setting or platform: exit 2, naming it', async () => {
    const io = fakeIO();
    expect(await main(['config', 'codex', '--storage', 'disk'], io)).toBe(2);
    expect(io.stderr()).toMatch(/--storage/);
    const platform = fakeIO();
    expect(await main(['config', 'codex', '--platform', 'beos'], platform)).toBe(2);
    expect(platform.stderr()).toMatch(/--platform must be one of linux, darwin, win32/);
  });

  it('is listed in --help, and has its own', async () => {
    const io = fakeIO();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout()).toMatch(/hostsmith-mcp config <client>/);
    const own = fakeIO();
    expect(await main(['config', '--help'], own)).toBe(0);
    expect(own.stdout()).toMatch(/^Usage: hostsmith-mcp config <client>/);
    expect(own.stdout()).toContain('claude-desktop, claude-code, cursor, vscode, windsurf, codex, gemini');
  });
});

describe('the README and `config` give the same entries', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

  it('the same commands, files, Windows wrapper and Codex env_vars', () => {
    expect(readme).toContain(hostEntry('claude-code', { platform: 'linux' }).command);
    expect(readme).toContain(hostEntry('claude-code', { platform: 'win32' }).command);
    expect(readme).toContain(hostEntry('codex', { platform: 'linux' }).command);
    for (const host of ['cursor', 'windsurf', 'gemini'] as const) {
      expect(readme).toContain(hostEntry(host, { platform: 'linux' }).configFile);
    }
    expect(readme).toContain(dirname(hostEntry('claude-desktop', { platform: 'darwin' }).configFile));
    expect(readme).toContain(
      hostEntry('claude-desktop', { platform: 'win32' }).configFile.replace('claude_desktop_config.json', ''),
    );
    const win = launch('win32');
    expect(readme).toContain(
      `"command": "${win.command}", "args": ${JSON.stringify(win.args).replaceAll(',', ', ')}`,
    );
    const envVars = /^env_vars = .*$/m.exec(hostEntry('codex', { platform: 'linux' }).snippet.text)?.[0];
    expect(readme).toContain(envVars);
  });
});

// The entry that adds this server to each MCP host, for one platform: the file it goes in, the
// text to paste (or the terminal command that adds it), and what trips people up there. Pure:
// the platform and the server's arguments are parameters, so every host × platform is testable.

import { type Platform, shellLine } from '../../shell-quote.js';
import { DEFAULT_PROFILE } from '../../store/profile.js';

export const HOSTS = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  windsurf: 'Windsurf',
  codex: 'Codex',
  gemini: 'Gemini CLI',
} as const;
export type HostId = keyof typeof HOSTS;
export const HOST_IDS = Object.keys(HOSTS) as HostId[];

/** The name the entry is added under, and the npm package npx runs. */
export const SERVER_NAME = 'hostsmith';
export const PACKAGE = 'hostsmith-mcp';

/**
 * The entry's name for a profile: "hostsmith" for the default one, "hostsmith-work" for
 * --profile work, so that one host's config holds one entry per account side by side.
 */
export function entryName(profile: string | undefined): string {
  return profile === undefined || profile === DEFAULT_PROFILE ? SERVER_NAME : `${SERVER_NAME}-${profile}`;
}

/**
 * What Codex must pass through on Linux (it starts servers with a short allow-list of variables):
 * the session bus for the keychain, the display and runtime folder for a browser, BROWSER, and
 * XDG_CONFIG_HOME so that the server looks where a terminal `hostsmith-mcp login` stored things.
 */
export const CODEX_LINUX_ENV_VARS = [
  'DBUS_SESSION_BUS_ADDRESS',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XDG_RUNTIME_DIR',
  'BROWSER',
  'XDG_CONFIG_HOME',
] as const;

export interface EntryOptions {
  platform: Platform;
  /** The name the entry is added under (default "hostsmith"; see entryName). */
  serverName?: string;
  /** The server's own arguments (settings), after `npx -y hostsmith-mcp`. */
  serverArgs?: readonly string[];
  /** The folder holding the node and npx this command runs under (for the macOS PATH note). */
  nodeDir?: string;
}

export interface HostEntry {
  host: HostId;
  name: string;
  platform: Platform;
  /** The host's usual config file, spelled for the platform. */
  configFile: string;
  /** Other places the host reads the same entry from. */
  otherFiles: string[];
  /** A terminal command that adds the entry, for hosts that have one. */
  command?: string;
  /** The text to paste, and the file it goes in. */
  snippet: { format: 'json' | 'toml'; text: string; file: string };
  notes: string[];
}

/**
 * The command line a host starts. On Windows npx is a batch file (npx.cmd), which a host that
 * spawns without a shell cannot start (Node refuses .cmd without one: CVE-2024-27980), so it goes
 * through `cmd /c`, which works whether or not the host uses a shell.
 */
export function launch(platform: Platform, serverArgs: readonly string[] = []) {
  const npx = ['-y', PACKAGE, ...serverArgs];
  return platform === 'win32'
    ? { command: 'cmd', args: ['/c', 'npx', ...npx] }
    : { command: 'npx', args: npx };
}

/** A file under the home folder, as people write it on the platform. */
export function inHome(platform: Platform, ...parts: string[]): string {
  return platform === 'win32' ? `%USERPROFILE%\\${parts.join('\\')}` : `~/${parts.join('/')}`;
}

/** A GUI app's settings folder: ~/Library/Application Support, %APPDATA%, ~/.config. */
function appData(platform: Platform, ...parts: string[]): string {
  if (platform === 'win32') return `%APPDATA%\\${parts.join('\\')}`;
  if (platform === 'darwin') return `~/Library/Application Support/${parts.join('/')}`;
  return `~/.config/${parts.join('/')}`;
}

/** The folders a macOS app's PATH should keep, after the one holding node. */
const MAC_PATH = ['/usr/local/bin', '/opt/homebrew/bin', '/usr/bin', '/bin'];

/** JSON as people write config files: objects indented, each array on one line. */
export function prettyJson(value: unknown, indent = ''): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const inner = `${indent}  `;
    const fields = Object.entries(value).map(
      ([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`,
    );
    return `{\n${fields.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

const GUI_HOSTS: ReadonlySet<HostId> = new Set(['claude-desktop', 'cursor', 'vscode', 'windsurf']);

export function hostEntry(host: HostId, opts: EntryOptions): HostEntry {
  const serverName = opts.serverName ?? SERVER_NAME;
  const { platform } = opts;
  const run = launch(platform, opts.serverArgs);
  const notes: string[] = [];
  const json = (file: string, root: string, server: Record<string, unknown>) => ({
    format: 'json' as const,
    text: prettyJson({ [root]: { [serverName]: server } }),
    file,
  });
  /** The common shape: one file, an "mcpServers" object. */
  const mcpServers = (file: string, ...otherFiles: string[]) => ({
    configFile: file,
    otherFiles,
    snippet: json(file, 'mcpServers', run),
  });
  const merge = (root: string) =>
    `If the file has "${root}" already, add "${serverName}" inside it rather than a second "${root}".`;
  let entry: Pick<HostEntry, 'configFile' | 'otherFiles' | 'command' | 'snippet'>;

  switch (host) {
    case 'claude-desktop':
      entry = mcpServers(appData(platform, 'Claude', 'claude_desktop_config.json'));
      notes.push(
        merge('mcpServers'),
        'Settings → Developer → Edit Config opens this file. Quit Claude Desktop completely and start it again to load the change.',
      );
      if (platform === 'linux')
        notes.push('Anthropic ships Claude Desktop for macOS and Windows only; Linux builds are unofficial.');
      break;
    case 'claude-code':
      // ~/.claude.json is rewritten by running sessions: the command edits it, people should not.
      entry = {
        configFile: inHome(platform, '.claude.json'),
        otherFiles: ['.mcp.json (one project, shared through version control)'],
        command: shellLine(
          ['claude', 'mcp', 'add', '--scope', 'user', serverName, '--', run.command, ...run.args],
          platform,
        ),
        snippet: json('.mcp.json at the root of a project', 'mcpServers', run),
      };
      notes.push(
        'The command adds the server for every project (user scope, kept in the config file above).',
      );
      break;
    case 'cursor':
      entry = mcpServers(inHome(platform, '.cursor', 'mcp.json'), '.cursor/mcp.json (one project)');
      notes.push(merge('mcpServers'));
      break;
    case 'vscode':
      entry = {
        configFile: '.vscode/mcp.json (this workspace)',
        otherFiles: [`${appData(platform, 'Code', 'User', 'mcp.json')} (every workspace)`],
        snippet: json('.vscode/mcp.json, or your user mcp.json', 'servers', { type: 'stdio', ...run }),
      };
      notes.push(
        merge('servers'),
        'The command palette\'s "MCP: Open User Configuration" opens your user mcp.json.',
      );
      break;
    case 'windsurf':
      entry = mcpServers(inHome(platform, '.codeium', 'windsurf', 'mcp_config.json'));
      notes.push(merge('mcpServers'));
      break;
    case 'codex': {
      const toml = [
        `[mcp_servers.${serverName}]`,
        `command = ${JSON.stringify(run.command)}`,
        `args = [${run.args.map((a) => JSON.stringify(a)).join(', ')}]`,
      ];
      if (platform === 'linux') {
        toml.push(`env_vars = [${CODEX_LINUX_ENV_VARS.map((v) => JSON.stringify(v)).join(', ')}]`);
        notes.push(
          'Codex starts servers with only a few environment variables. env_vars passes on the ones the Linux keychain (D-Bus) and your browser need; without them a sign-in kept in the keychain cannot be read. `codex mcp add` cannot write env_vars: paste the text above instead, or add that line after running it.',
        );
      }
      const file = inHome(platform, '.codex', 'config.toml');
      entry = {
        configFile: file,
        otherFiles: [],
        command: shellLine(['codex', 'mcp', 'add', serverName, '--', run.command, ...run.args], platform),
        // JSON strings are valid TOML basic strings (the same escapes).
        snippet: { format: 'toml', text: toml.join('\n'), file },
      };
      break;
    }
    case 'gemini':
      entry = mcpServers(inHome(platform, '.gemini', 'settings.json'));
      notes.push(merge('mcpServers'));
      break;
  }

  if (platform === 'win32') {
    notes.push('On Windows npx is a batch file that a host cannot start without a shell, hence "cmd /c".');
  }
  if (platform === 'darwin' && GUI_HOSTS.has(host)) {
    const dirs = [opts.nodeDir ?? '<the folder `which npx` prints>', ...MAC_PATH];
    notes.push(
      `An app started from the Dock does not see a Node installed with nvm, mise or asdf ("npx: command not found", "spawn npx ENOENT"). Add "env": { "PATH": "${[...new Set(dirs)].join(':')}" } to the entry: npx starts node through PATH, so an absolute path to npx alone is not enough.`,
    );
  }
  return { host, name: HOSTS[host], platform, ...entry, notes };
}

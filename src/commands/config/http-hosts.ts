// Each host's entry for the local HTTP form (`serve --http`): the URL and the secret instead of a
// command to start. The server is the person's to start (the entry says how); the host connects.
// Pure: the platform, port and secret are parameters. Config file paths are hosts.ts's.
import { type Platform, shellLine } from '../../shell-quote.js';
import { type HostEntry, type HostId, hostEntry, PACKAGE, prettyJson, SERVER_NAME } from './hosts.js';

export interface HttpEntryOptions {
  /** The name the entry is added under (default "hostsmith"; see entryName). */
  serverName?: string;
  platform: Platform;
  port: number;
  /** The secret itself, or a placeholder when it is only known at the server's start. */
  secret: string;
  /** Whether `secret` is real (from --http-secret-file) rather than a placeholder. */
  secretKnown: boolean;
  /** The `serve --http …` arguments (settings, port, secret file) for the person to run. */
  serveArgs: readonly string[];
}

export function httpHostEntry(host: HostId, opts: HttpEntryOptions): HostEntry {
  const serverName = opts.serverName ?? SERVER_NAME;
  const { platform, secret } = opts;
  const url = `http://127.0.0.1:${opts.port}/mcp`;
  const headers = { Authorization: `Bearer ${secret}` };
  const stdio = hostEntry(host, { platform });
  const json = (file: string, root: string, server: Record<string, unknown>) => ({
    format: 'json' as const,
    text: prettyJson({ [root]: { [serverName]: server } }),
    file,
  });
  const notes: string[] = [];
  let entry: Pick<HostEntry, 'command' | 'snippet'>;

  switch (host) {
    case 'claude-desktop':
      // Its config file takes commands only (remote servers go through Connectors, which reach
      // Anthropic's cloud, not this computer): a bridge carries stdio to the URL.
      entry = {
        snippet: json(stdio.configFile, 'mcpServers', {
          command: platform === 'win32' ? 'cmd' : 'npx',
          args: [...(platform === 'win32' ? ['/c', 'npx'] : []), '-y', 'mcp-remote', `${url}/${secret}`],
        }),
      };
      notes.push(
        'Claude Desktop reads only commands from this file, so mcp-remote (from npm) bridges it to the URL; the secret goes in the URL because the bridge is simplest without headers.',
      );
      break;
    case 'claude-code':
      entry = {
        command: shellLine(
          [
            'claude',
            'mcp',
            'add',
            '--scope',
            'user',
            '--transport',
            'http',
            serverName,
            url,
            '--header',
            `Authorization: Bearer ${secret}`,
          ],
          platform,
        ),
        snippet: json('.mcp.json at the root of a project', 'mcpServers', { type: 'http', url, headers }),
      };
      break;
    case 'cursor':
      entry = { snippet: json(stdio.configFile, 'mcpServers', { url, headers }) };
      break;
    case 'vscode':
      entry = {
        snippet: json('.vscode/mcp.json, or your user mcp.json', 'servers', { type: 'http', url, headers }),
      };
      break;
    case 'windsurf':
      entry = { snippet: json(stdio.configFile, 'mcpServers', { serverUrl: url, headers }) };
      break;
    case 'codex': {
      const toml = [
        `[mcp_servers.${serverName}]`,
        `url = ${JSON.stringify(url)}`,
        `http_headers = { "Authorization" = ${JSON.stringify(`Bearer ${secret}`)} }`,
      ];
      // `codex mcp add --url` cannot set a header: the text is the way.
      entry = { snippet: { format: 'toml', text: toml.join('\n'), file: stdio.configFile } };
      break;
    }
    case 'gemini':
      entry = {
        command: shellLine(
          [
            'gemini',
            'mcp',
            'add',
            '--scope',
            'user',
            '--transport',
            'http',
            '--header',
            `Authorization: Bearer ${secret}`,
            serverName,
            url,
          ],
          platform,
        ),
        snippet: json(stdio.configFile, 'mcpServers', { httpUrl: url, headers }),
      };
      break;
  }

  const serve = shellLine(['npx', '-y', PACKAGE, 'serve', '--http', ...opts.serveArgs], platform);
  notes.unshift(
    `The host connects to a server you start and keep running: ${serve}`,
    opts.secretKnown
      ? 'The secret above is kept in the secret file, so this entry keeps working across restarts. Anyone who can read it can act as you at Hostsmith while the server runs: keep the file and this config private.'
      : 'Replace <secret> with the secret the server prints when it starts. It changes at every start; add --http-secret-file PATH (here and to the server) to keep one.',
  );
  notes.push(...stdio.notes.filter((note) => note.startsWith('If the file has')));
  return {
    host,
    name: stdio.name,
    platform,
    configFile: stdio.configFile,
    otherFiles: stdio.otherFiles,
    ...entry,
    notes,
  };
}

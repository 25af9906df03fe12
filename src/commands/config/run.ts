// `hostsmith-mcp config <client>`: prints the entry that adds this server to one MCP host, for
// this platform, with any settings given folded into its arguments, and where that host keeps
// its config. It only prints: editing a host's file is left to the person (or the host's own
// `mcp add` command), who knows what else is in it.
import { dirname, resolve } from 'node:path';
import { resolveSettings, SettingsError, type SettingsFlags } from '../../config.js';
import type { IO } from '../../io.js';
import { SecretFileError, secretFromFile } from '../../mcp/http/secret.js';
import { PLATFORMS, type Platform, toPlatform } from '../../shell-quote.js';
import { pathFlavour } from '../../store/paths.js';
import { DEFAULT_HTTP_PORT, HttpFlagError, type HttpOptions, httpOptions } from '../serve/http-options.js';
import { entryName, HOST_IDS, type HostEntry, type HostId, hostEntry } from './hosts.js';
import { httpHostEntry } from './http-hosts.js';

export const HELP = `Usage: hostsmith-mcp config <client> [settings]

Prints what to add to an MCP client's configuration to run this server, for this computer's
platform: the entry to paste (or the command that adds it) and the usual path of the client's
config file. Settings given here (--api-url, --client, --config-dir, --storage, --client-id,
--no-browser, --sign-in-wait, --profile) are written into the entry's arguments. Nothing is
edited. With --profile NAME the entry is named hostsmith-NAME, so that one client's config can
hold one entry per Hostsmith account (run the command once per profile).

With --http [--port N] [--http-secret-file PATH]: the entry for a server you run yourself with
\`hostsmith-mcp serve --http\` (local HTTP): the URL and the secret. With --http-secret-file the
secret is read from PATH (created 0600 if missing), so the entry is complete and lasts.

Clients: ${HOST_IDS.join(', ')}

Exit status: 0; 2 for an unknown client or a bad setting.
`;

export interface ConfigOptions {
  io: IO;
  flags: Record<string, unknown>;
  positionals: string[];
  /** The platform to print for (default: this one; --platform in tests). */
  platform?: NodeJS.Platform;
  /** Where this command's node and npx live (the macOS PATH note). */
  nodeDir?: string;
}

class Usage extends Error {}

/** The settings given on this command line, validated, as the server's own arguments. */
export function serverArgs(flags: SettingsFlags, platform: Platform): string[] {
  // Validated as the server would (the environment is not ours to fold in: only flags given).
  const settings = resolveSettings(flags, {});
  const args: string[] = [];
  if (flags['api-url'] !== undefined) args.push('--api-url', settings.apiUrl);
  if (settings.client !== undefined) args.push('--client', settings.client);
  // The host starts the server in a folder of its choosing: a relative path would drift.
  if (settings.configDir !== undefined) {
    const dir = settings.configDir;
    args.push('--config-dir', pathFlavour(platform).isAbsolute(dir) ? dir : resolve(dir));
  }
  if (flags.storage !== undefined) args.push('--storage', settings.storage);
  if (settings.clientId !== undefined) args.push('--client-id', settings.clientId);
  if (settings.noBrowser) args.push('--no-browser');
  if (flags['sign-in-wait'] !== undefined) args.push('--sign-in-wait', String(settings.signInWaitSeconds));
  if (flags['request-timeout'] !== undefined)
    args.push('--request-timeout', String(settings.requestTimeoutSeconds));
  if (settings.confirm !== 'auto') args.push('--confirm', settings.confirm);
  if (settings.profile !== undefined) args.push('--profile', settings.profile);
  return args;
}

const PLATFORM_NAMES: Record<Platform, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };

export function render(entry: HostEntry): string {
  const lines = [`${entry.name} on ${PLATFORM_NAMES[entry.platform]}`, `Config file: ${entry.configFile}`];
  for (const other of entry.otherFiles) lines.push(`       also: ${other}`);
  lines.push('');
  if (entry.command) {
    lines.push('Run in a terminal:', '', `  ${entry.command}`, '', `or paste into ${entry.snippet.file}:`);
  } else {
    lines.push(`Paste into ${entry.snippet.file}:`);
  }
  lines.push('', entry.snippet.text, '');
  for (const note of entry.notes) lines.push(`- ${note}`);
  return `${lines.join('\n')}\n`;
}

export async function run(opts: ConfigOptions): Promise<number> {
  const { io } = opts;
  try {
    const [name, ...extra] = opts.positionals;
    if (!name || !HOST_IDS.includes(name as HostId)) {
      throw new Usage(
        `${name ? `unknown client "${name}"` : 'which client?'}: say one of ${HOST_IDS.join(', ')}`,
      );
    }
    if (extra.length) throw new Usage(`one client at a time, not also ${extra.join(' ')}`);
    const asked = opts.flags.platform;
    if (asked !== undefined && !PLATFORMS.includes(asked as Platform)) {
      throw new Usage(`--platform must be one of ${PLATFORMS.join(', ')}`);
    }
    const platform = toPlatform(String(asked ?? opts.platform ?? process.platform));
    const settingsArgs = serverArgs(opts.flags as SettingsFlags, platform);
    // One entry per profile in a host's config: hostsmith-work beside hostsmith-personal.
    const serverName = entryName(resolveSettings(opts.flags as SettingsFlags, {}).profile);
    const http = httpOptions(opts.flags);
    const entry = http
      ? await httpEntry(name as HostId, platform, settingsArgs, http, serverName)
      : hostEntry(name as HostId, {
          platform,
          serverName,
          serverArgs: settingsArgs,
          nodeDir: opts.nodeDir ?? dirname(process.execPath),
        });
    io.out(render(entry));
    return 0;
  } catch (error) {
    if (
      !(
        error instanceof Usage ||
        error instanceof SettingsError ||
        error instanceof HttpFlagError ||
        error instanceof SecretFileError
      )
    )
      throw error;
    io.err(`hostsmith-mcp config: ${error.message}\n`);
    return 2;
  }
}

/** The HTTP form's entry; the secret file, when named, is this computer's (read or created here). */
async function httpEntry(
  host: HostId,
  platform: Platform,
  settingsArgs: string[],
  http: HttpOptions,
  serverName: string,
): Promise<HostEntry> {
  const file = http.secretFile === undefined ? undefined : resolve(http.secretFile);
  const secret = file === undefined ? undefined : await secretFromFile(file, toPlatform(process.platform));
  return httpHostEntry(host, {
    serverName,
    platform,
    port: http.port,
    secret: secret ?? '<secret>',
    secretKnown: secret !== undefined,
    serveArgs: [
      ...settingsArgs,
      ...(http.port !== DEFAULT_HTTP_PORT ? ['--port', String(http.port)] : []),
      ...(file !== undefined ? ['--http-secret-file', file] : []),
    ],
  });
}

// argv → one command. Parses flags, resolves settings (flags > env > defaults), runs the command,
// and turns its outcome into an exit code. Nothing below this layer reads argv or exits.
import { parseArgs } from 'node:util';
import { HOST_IDS } from '../commands/config/hosts.js';
import { HTTP_FLAGS, HTTP_HELP, HttpFlagError, httpOptions } from '../commands/serve/http-options.js';
import { warnIfOutsideProfile } from '../commands/shared/config-root.js';
import {
  resolveSettings,
  SETTINGS_FLAGS,
  SETTINGS_HELP,
  SettingsError,
  type SettingsFlags,
} from '../config.js';
import { type IO, processIO } from '../io.js';
import { VERSION } from '../version.js';

const CONFIG_CLIENTS = HOST_IDS.join(', ');

const USAGE = `hostsmith-mcp ${VERSION}: an MCP server for your Hostsmith static sites

Usage:
  hostsmith-mcp [serve]     run the MCP server over stdio (what an MCP client starts)
  hostsmith-mcp serve --http [--port 3333]
                            run it over local HTTP instead, at http://127.0.0.1:<port>/mcp
  hostsmith-mcp login       sign in from the terminal
  hostsmith-mcp logout      revoke the sign-in at Hostsmith and delete the local credentials
  hostsmith-mcp status      show where credentials are stored and whether they still work
  hostsmith-mcp config <client>
                            print the entry that adds this server to an MCP client, for this
                            platform, with the settings given; edits nothing. Clients:
                            ${CONFIG_CLIENTS}
  hostsmith-mcp --version   print the version

Run "hostsmith-mcp <command> --help" for a command's own options.

${SETTINGS_HELP}

${HTTP_HELP}

Add to an MCP client's config (on Windows: "command": "cmd", "args": ["/c", "npx", "-y", "hostsmith-mcp"]):
  { "mcpServers": { "hostsmith": { "command": "npx", "args": ["-y", "hostsmith-mcp"] } } }
`;

type Command = 'serve' | 'login' | 'logout' | 'status' | 'config';
const COMMANDS: readonly Command[] = ['serve', 'login', 'logout', 'status', 'config'];

const COMMAND_FLAGS = {
  serve: HTTP_FLAGS,
  login: { timeout: { type: 'string' } },
  logout: { json: { type: 'boolean' } },
  status: { json: { type: 'boolean' } },
  // --platform: print another platform's entry (tests, docs); not in --help.
  config: { platform: { type: 'string' }, ...HTTP_FLAGS },
} as const;

export async function main(argv: string[], io: IO = processIO): Promise<number> {
  const first = argv[0];
  const command: Command = COMMANDS.includes(first as Command) ? (first as Command) : 'serve';
  const rest = first === command ? argv.slice(1) : argv;

  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(command, rest);
  } catch (error) {
    io.err(`hostsmith-mcp: ${(error as Error).message}\nRun "hostsmith-mcp --help" for usage.\n`);
    return 2;
  }
  const { values } = parsed;
  if (values.version) {
    io.out(`${VERSION}\n`);
    return 0;
  }
  if (values.help) {
    io.out(command === 'serve' ? USAGE : await commandHelp(command));
    return 0;
  }
  if (command === 'config') {
    // Prints an entry for another process to run: the settings are its own, validated there.
    const { run } = await import('../commands/config/run.js');
    return run({ io, flags: values as Record<string, unknown>, positionals: parsed.positionals });
  }
  let settings: ReturnType<typeof resolveSettings>;
  let http: ReturnType<typeof httpOptions>;
  try {
    settings = resolveSettings(values as SettingsFlags, io.env);
    http = httpOptions(values as Record<string, unknown>);
  } catch (error) {
    if (error instanceof SettingsError || error instanceof HttpFlagError) {
      io.err(`hostsmith-mcp: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // Once per process, before anything is stored there.
  warnIfOutsideProfile(settings, io);
  switch (command) {
    case 'serve': {
      const { run } = await import('../commands/serve/run.js');
      try {
        return await run({ settings, io, version: VERSION, ...(http ? { http } : {}) });
      } catch (error) {
        // An unknown tool set or tool name: stop at start, naming the valid ones.
        if ((error as { code?: unknown }).code === 'INVALID_TOOL_SELECTION') {
          io.err(`hostsmith-mcp: ${(error as Error).message}\n`);
          return 2;
        }
        throw error;
      }
    }
    default: {
      const mod = await loadCommand(command);
      return mod.run({ settings, io, flags: values as Record<string, unknown> });
    }
  }
}

function parseCommand(command: Command, args: string[]) {
  return parseArgs({
    args,
    options: {
      ...SETTINGS_FLAGS,
      ...COMMAND_FLAGS[command],
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    allowPositionals: command === 'config',
    strict: true,
  });
}

interface CommandModule {
  HELP: string;
  run(opts: {
    settings: ReturnType<typeof resolveSettings>;
    io: IO;
    flags: Record<string, unknown>;
  }): Promise<number>;
}

async function loadCommand(command: Exclude<Command, 'serve' | 'config'>): Promise<CommandModule> {
  switch (command) {
    case 'login':
      return import('../commands/login/run.js');
    case 'logout':
      return import('../commands/logout/run.js');
    case 'status':
      return import('../commands/status/run.js');
  }
}

async function commandHelp(command: Exclude<Command, 'serve'>): Promise<string> {
  const help =
    command === 'config'
      ? (await import('../commands/config/run.js')).HELP
      : (await loadCommand(command)).HELP;
  return `${help}\n${SETTINGS_HELP}\n`;
}

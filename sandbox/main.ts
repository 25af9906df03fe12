// `npm run sandbox`: the local Hostsmith on 127.0.0.1, until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { MIN_ACCESS_TOKEN_BYTES } from './auth/jwt-access.js';
import { type Sandbox, startSandbox } from './index.js';
import { DEFAULT_USER, SANDBOX_PASSWORD, USERS, userByEmail } from './users.js';

const HELP = `Usage: npm run sandbox -- [options]

The local Hostsmith: an OAuth authorization server, the REST API and the sites, on 127.0.0.1.

Options:
  --port N                  the API's port (default 8787); the issuer takes N+1; 0 picks free ports
  --issuer-port N           the issuer's port (default: --port + 1, or free with --port 0)
  --auto-approve            skip the sign-in and consent pages (as --user)
  --user EMAIL              the user auto-approve signs in as (default ${DEFAULT_USER})
  --access-token-ttl SECS   access-token lifetime (default 3600)
  --access-token-bytes N    issue JWT access tokens of exactly N bytes (N >= ${MIN_ACCESS_TOKEN_BYTES}), carrying the
                            grant id; the API checks their signature and that the grant is alive
                            (default: opaque tokens)
  --rate-limit N            JSON requests per minute, per user and partition (default 100)
  --upload-rate-limit N     file and blob uploads per minute, per user and partition (default 2000)
  --data FILE               keep everything in FILE across restarts (default: in memory)
  --public-api-url URL      with --public-issuer: the URLs a TLS-terminating front serves the API and
  --public-issuer URL       the issuer under (e.g. https://api.hostsmith.test:8443); the metadata, the
                            token audience and site URLs name them, the listeners stay on 127.0.0.1
  --json                    first line on stdout: {"api": "...", "issuer": "..."} (and "listeners" with
                            --public-api-url); the banner goes to stderr
  --help                    this text
`;

class UsageError extends Error {}

function integer(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
  return Number(raw);
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      'issuer-port': { type: 'string' },
      'auto-approve': { type: 'boolean', default: false },
      user: { type: 'string' },
      'access-token-ttl': { type: 'string' },
      'access-token-bytes': { type: 'string' },
      'rate-limit': { type: 'string' },
      'upload-rate-limit': { type: 'string' },
      data: { type: 'string' },
      'public-api-url': { type: 'string' },
      'public-issuer': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const port = integer('port', values.port, 8787, 0);
  if (port > 65534) throw new UsageError('--port must be at most 65534 (the issuer takes port + 1)');
  if (values.user !== undefined && !userByEmail(values.user)) {
    throw new UsageError(`--user must be one of ${USERS.map((u) => u.email).join(', ')}`);
  }
  const publicApi = values['public-api-url'];
  const publicIssuer = values['public-issuer'];
  if ((publicApi === undefined) !== (publicIssuer === undefined)) {
    throw new UsageError('--public-api-url and --public-issuer go together');
  }
  for (const url of [publicApi, publicIssuer]) {
    if (url !== undefined && !URL.canParse(url)) throw new UsageError(`not a URL: ${url}`);
  }
  return {
    help: values.help,
    json: values.json,
    options: {
      port,
      ...(values['issuer-port'] !== undefined
        ? { issuerPort: integer('issuer-port', values['issuer-port'], 0, 0) }
        : {}),
      autoApprove: values['auto-approve'],
      user: values.user ?? DEFAULT_USER,
      accessTokenTtl: integer('access-token-ttl', values['access-token-ttl'], 3600, 1),
      ...(values['access-token-bytes'] !== undefined
        ? {
            accessTokenBytes: integer(
              'access-token-bytes',
              values['access-token-bytes'],
              0,
              MIN_ACCESS_TOKEN_BYTES,
            ),
          }
        : {}),
      rateLimit: integer('rate-limit', values['rate-limit'], 100, 1),
      uploadRateLimit: integer('upload-rate-limit', values['upload-rate-limit'], 2000, 1),
      ...(values.data !== undefined ? { dataFile: values.data } : {}),
      ...(publicApi !== undefined && publicIssuer !== undefined
        ? { publicUrls: { api: publicApi, issuer: publicIssuer } }
        : {}),
    },
  };
}

function banner(sandbox: Sandbox, opts: ReturnType<typeof parse>['options']): string {
  const { api, issuer, listeners } = sandbox;
  const config = {
    mcpServers: {
      hostsmith: { command: 'npx', args: ['-y', 'hostsmith-mcp'], env: { HOSTSMITH_API_URL: api } },
    },
  };
  const users = USERS.map((u) => `${u.email} (home ${u.homePartition})`).join(', ');
  return [
    'Hostsmith sandbox is running.',
    '',
    `  API (resource)  ${api}`,
    `  issuer          ${issuer}`,
    `  sites           ${api}/s/{partition}/{site}/`,
    `  users           ${users}`,
    `  password        ${SANDBOX_PASSWORD}`,
    `  auto-approve    ${opts.autoApprove ? `on, as ${opts.user}` : 'off (sign in and approve in the browser)'}`,
    `  access tokens   ${opts.accessTokenBytes !== undefined ? `JWT, ${opts.accessTokenBytes} bytes` : 'opaque'}`,
    `  data            ${opts.dataFile ?? 'in memory'}`,
    ...(listeners.api !== api
      ? [`  listeners       ${listeners.api} (API), ${listeners.issuer} (issuer)`]
      : []),
    `  window          ${listeners.api}/_sandbox/requests (loopback only)`,
    '',
    "Paste this into your MCP client's config (claude_desktop_config.json, ~/.cursor/mcp.json):",
    '',
    JSON.stringify(config, null, 2),
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const sandbox = await startSandbox(parsed.options);
  if (parsed.json) {
    const { api, issuer, listeners } = sandbox;
    // The listeners only when they differ (--public-api-url): the line stays {api, issuer} otherwise.
    const line = listeners.api === api ? { api, issuer } : { api, issuer, listeners };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    process.stderr.write(banner(sandbox, parsed.options));
  } else {
    process.stdout.write(banner(sandbox, parsed.options));
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      // A second signal while closing: stop waiting.
      if (stopping) process.exit(1);
      stopping = true;
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sandbox.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

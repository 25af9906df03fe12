// The sandbox for benches: the local Hostsmith (sandbox/main.ts through tsx) on loopback free
// ports, auto-approving, with its rate limits far out of the way, in a process of its own so the
// benches' own event loop never competes with it. Plus a signed-in store: the built CLI's
// `login`, with the scripted browser (test/helpers/browser-cli.ts) as BROWSER, as the end-to-end
// tests do it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { killGroup, runOk, spawnGroup, stopGroup } from './process.mjs';

/** tsx's loader by absolute URL: `--import tsx` would resolve from whatever the cwd is. */
const tsxLoader = (root) => pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx')).href;

/** Far above anything a bench sends in a minute (2,000+ calls, thousands of uploads). */
const NO_LIMIT = '100000000';

/**
 * Start the sandbox; resolves once it printed its {"api","issuer"} line.
 * Returns { api, issuer, signedIn(client?), close() }; signedIn() signs in once per client
 * folder name and returns { configDir, client, env, accessToken() }.
 */
export async function startSandbox({ root, timeoutMs = 60_000 }) {
  const args = [
    '--import',
    tsxLoader(root),
    join(root, 'sandbox/main.ts'),
    ...['--port', '0', '--json', '--auto-approve'],
    ...['--rate-limit', NO_LIMIT, '--upload-rate-limit', NO_LIMIT],
  ];
  const child = spawnGroup(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c) => {
    stderr = (stderr + c).slice(-8000);
  });
  const line = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`The sandbox did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (c) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, nl)));
      } catch {
        reject(new Error(`The sandbox's first line is not its JSON: ${out.slice(0, nl)}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The sandbox exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  const sessions = new Map();
  const dirs = [];
  const sandbox = {
    api: line.api,
    issuer: line.issuer,
    pid: child.pid,
    signedIn(client = 'bench') {
      let session = sessions.get(client);
      if (!session) {
        session = signIn({ root, api: line.api, client });
        sessions.set(client, session);
        session.then((s) => dirs.push(s.configDir)).catch(() => sessions.delete(client));
      }
      return session;
    },
    async close() {
      await stopGroup(child);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return sandbox;
}

/**
 * `hostsmith-mcp login --client <client> --storage file` into a fresh config folder, the scripted
 * browser approving. The server started with the returned env and `--storage file`, by an MCP
 * client named `client`, finds the credentials and uses the cached access token.
 */
export async function signIn({ root, api, client }) {
  const configDir = mkdtempSync(join(tmpdir(), 'hostsmith-bench-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: configDir,
    HOSTSMITH_API_URL: api,
    HOSTSMITH_MCP_CONFIG_DIR: configDir,
    BROWSER: `${process.execPath} --import ${tsxLoader(root)} ${join(root, 'test/helpers/browser-cli.ts')}`,
  };
  await runOk(
    process.execPath,
    [join(root, 'bin/hostsmith-mcp.js'), 'login', '--client', client, '--storage', 'file', '--timeout', '60'],
    { cwd: configDir, env, timeoutMs: 90_000 },
  );
  const file = join(configDir, client, 'hostsmith', 'oauth.json');
  return {
    configDir,
    client,
    env,
    /** The access token the server will use (for a baseline that sends the same request). */
    accessToken() {
      const { credentials } = JSON.parse(readFileSync(file, 'utf8'));
      const entry = Object.entries(credentials).find(([resource]) => resource.startsWith(api));
      if (!entry?.[1].access_token) throw new Error(`No access token for ${api} in ${file}`);
      return entry[1].access_token;
    },
  };
}

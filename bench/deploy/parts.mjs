// What the deploy bench runs besides its figures: its own sandbox (so that hundreds of MiB of
// blobs and its sites stay out of the sandbox other benches measure against), the built server
// over stdio signed in through the scripted browser as the end-to-end tests do, the floor
// scripts, and a tiny median/percentile.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** tsx's loader by absolute URL, for the TypeScript sandbox and the scripted browser. */
function tsxLoader(root) {
  return pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx')).href;
}

/** The sandbox on free ports, auto-approving sign-ins, rate limits out of the way. */
export async function startSandbox(root) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      tsxLoader(root),
      join(root, 'sandbox/main.ts'),
      ...['--port', '0', '--json', '--auto-approve'],
      ...['--rate-limit', '1000000', '--upload-rate-limit', '1000000'],
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const urls = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited (${code}) before it was ready`)));
  });
  return {
    api: urls.api,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The built server over stdio, with the official client; signs in on its first call. */
export async function startServer(root, { api, configDir }) {
  const { Client } = await import('@modelcontextprotocol/client');
  const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
  const browser = `${process.execPath} --import ${tsxLoader(root)} ${join(root, 'test/helpers/browser-cli.ts')}`;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(root, 'bin/hostsmith-mcp.js'), '--storage', 'file'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: configDir,
      HOSTSMITH_API_URL: api,
      HOSTSMITH_MCP_CONFIG_DIR: configDir,
      BROWSER: browser,
    },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'hostsmith-bench', version: '1.0.0' });
  await client.connect(transport);
  return {
    pid: transport.pid,
    /** A tool call's structured result and its wall time as this client sees it (ms). */
    async call(name, args) {
      const started = process.hrtime.bigint();
      const result = await client.callTool({ name, arguments: args }, { timeout: 600_000 });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.isError) throw new Error(`${name}: ${result.content?.map((c) => c.text).join(' ')}`);
      return { ms, out: result.structuredContent };
    },
    close: () => client.close(),
  };
}

/** The access token the signed-in server keeps in its oauth.json (file storage). */
export async function storedToken(configDir) {
  const entries = await readdir(configDir, { recursive: true });
  const file = entries.find((e) => e.endsWith('oauth.json'));
  if (!file) throw new Error(`no oauth.json under ${configDir}: the server did not sign in`);
  const store = JSON.parse(await readFile(join(configDir, file), 'utf8'));
  const token = Object.values(store.credentials ?? {})[0]?.access_token;
  if (!token) throw new Error('the stored credential has no access token');
  return token;
}

/** Peak resident memory of a live process, MiB (Linux: VmHWM); undefined elsewhere. */
export async function peakRssMiB(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a floor script; answers its JSON line. */
export function runFloor(script, arg) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${script} failed (${code}): ${err}`)),
    );
  });
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

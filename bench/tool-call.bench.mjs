// Tool-call overhead: `get_site` over stdio through the real server (signed in, cached access
// token) against the sandbox, versus the same GET sent straight with undici with the same token,
// in the same run. Sequential calls alternate one through the server, one direct, so machine
// noise hits both alike; then rounds of calls 64 in flight, alternating the two sides per round.
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { INITIALIZE, stdioSession } from './lib/process.mjs';
import { figure, percentile, summarize } from './lib/stats.mjs';

export const title = 'Tool call (get_site, cached token)';

const CLIENT = 'bench-tool-call';
const IN_FLIGHT = 64;

export async function run({ smoke, root, sandbox }) {
  const sequential = smoke ? 20 : 2000;
  const warmup = smoke ? 5 : 100;
  const rounds = smoke ? 1 : 7;
  const perRound = smoke ? IN_FLIGHT : 1000;

  const store = await sandbox.signedIn(CLIENT);
  const token = store.accessToken();
  const dispatcher = new Agent();
  const direct = directGet(token, dispatcher);
  const site = await createSite(sandbox.api, token, dispatcher);
  const siteUrl = `${sandbox.api}/v1/sites/${encodeURIComponent(site.id)}`;

  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the server's
  // node: how the profile of what a call costs is taken (README).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = stdioSession(
    process.execPath,
    [...nodeArgs, join(root, 'bin/hostsmith-mcp.js'), '--storage', 'file'],
    { cwd: store.configDir, env: store.env },
  );
  try {
    // The client folder comes from the client's name: the one `login --client` filled.
    await server.request('initialize', { ...INITIALIZE, clientInfo: { name: CLIENT, version: '0' } });
    server.notify('notifications/initialized');
    const viaServer = async () => {
      const t = process.hrtime.bigint();
      const { result } = await server.request('tools/call', {
        name: 'get_site',
        arguments: { site_id: site.id },
      });
      if (result.isError || result.structuredContent?.id !== site.id) {
        throw new Error(`get_site failed through the server: ${JSON.stringify(result).slice(0, 500)}`);
      }
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    const straight = async () => {
      const t = process.hrtime.bigint();
      const body = await direct(siteUrl);
      if (body.id !== site.id)
        throw new Error(`The direct GET answered another site: ${JSON.stringify(body)}`);
      return Number(process.hrtime.bigint() - t) / 1e6;
    };

    // Warm both paths: the server loads its HTTP client on the first call; connections open.
    for (let i = 0; i < warmup; i++) {
      await viaServer();
      await straight();
    }
    const mcp = [];
    const raw = [];
    for (let i = 0; i < sequential; i++) {
      mcp.push(await viaServer());
      raw.push(await straight());
    }

    const mcpRate = [];
    const rawRate = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which side goes first, so neither always runs on a machine the other warmed.
      const order = r % 2 ? [rawRate, mcpRate] : [mcpRate, rawRate];
      for (const sink of order)
        sink.push(await throughput(sink === mcpRate ? viaServer : straight, perRound));
    }

    const baseline = { label: 'the same GET straight with undici', median: percentile(raw, 0.5) };
    // The targets are on the latency the server adds: the difference of the two percentiles.
    // Derived figures repeat their one value as p90/p99; their ratio is server ÷ direct.
    const added = (q) => percentile(mcp, q) - percentile(raw, q);
    const derived = (value) => ({ median: value, p90: value, p99: value, samples: sequential });
    return [
      figure({
        id: 'tool_call.sequential',
        label: `get_site over stdio, ${sequential} sequential`,
        unit: 'ms',
        values: mcp,
        baseline,
      }),
      figure({
        id: 'tool_call.added_p50',
        label: 'added latency, p50 (server p50 − direct p50)',
        unit: 'ms',
        summary: derived(added(0.5)),
        baseline,
        ratio: percentile(mcp, 0.5) / percentile(raw, 0.5),
        target: { max: 0.3, of: 'value' },
      }),
      figure({
        id: 'tool_call.added_p99',
        label: 'added latency, p99 (server p99 − direct p99)',
        unit: 'ms',
        summary: derived(added(0.99)),
        baseline: { label: 'direct p99', median: percentile(raw, 0.99) },
        ratio: percentile(mcp, 0.99) / percentile(raw, 0.99),
        target: { max: 1.5, of: 'value' },
      }),
      figure({
        id: 'tool_call.throughput_64',
        label: `throughput, ${IN_FLIGHT} in flight (${rounds} × ${perRound} calls)`,
        unit: 'ops/s',
        values: mcpRate,
        baseline: { label: 'the same GET straight with undici', median: summarize(rawRate).median },
        target: { min: 0.7, of: 'ratio' },
      }),
    ];
  } finally {
    await server.close();
    await dispatcher.close();
  }
}

/** GET url with the bearer token and the headers the server sends, parsed as JSON. */
function directGet(token, dispatcher) {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': 'bench' };
  return async (url) => {
    const res = await request(url, { method: 'GET', headers, dispatcher });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw new Error(`GET ${url} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
}

async function createSite(api, token, dispatcher) {
  const res = await request(`${api}/v1/sites`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({ name: `bench-${process.pid}-${Date.now().toString(36)}` }),
    dispatcher,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`Creating the bench site answered ${res.statusCode}: ${text}`);
  return JSON.parse(text);
}

/** Calls per second for `total` calls of `call`, IN_FLIGHT at a time. */
async function throughput(call, total) {
  let next = 0;
  const t = process.hrtime.bigint();
  const worker = async () => {
    while (next < total) {
      next += 1;
      await call();
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, total) }, worker));
  return total / (Number(process.hrtime.bigint() - t) / 1e9);
}

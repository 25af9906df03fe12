// Startup and memory of the real server, as whole processes, against floors measured in the same
// run, interleaved: (a) Node answering JSON-RPC with no library, (b) the smallest official-SDK v2
// server run unbundled, (c) the same file bundled by our esbuild with our options (into
// node_modules/.cache/, ignored by git and biome), and hostsmith-mcp (bin/ → dist/, so
// `npm run build` first). Each run spawns the process, sends initialize then tools/list over
// stdio, times the tools/list answer, waits a moment for the process to be at rest and reads its
// VmRSS (and peak, VmHWM) from /proc, then closes stdin. On Node 20, 22 and 24 (22 and 24 from
// the test cache, scripts/npm-cache-install.sh, at the pins of test/helpers/npm-cache.ts).
//
// The server's own compile cache (Node 22+, bin/) lives in a folder of this run; one warm-up
// round, not counted, fills it and the file cache for every candidate alike. The baselines run
// as they are, without one.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const title = 'Startup';

const RUNS = 20;
/** How long after the tools/list answer the memory is read ("at rest"). */
const REST_MS = 250;

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
};

/** The Node 22 and 24 pins, read from the one place the tests keep them. */
function nodePins(root) {
  const text = readFileSync(join(root, 'test/helpers/npm-cache.ts'), 'utf8');
  const pin = (name) => {
    const spec = new RegExp(`export const ${name} = '([^']+)'`).exec(text)?.[1];
    if (!spec) throw new Error(`test/helpers/npm-cache.ts no longer exports ${name} = 'node@x.y.z'`);
    return spec;
  };
  return [pin('NODE_22'), pin('NODE_24')];
}

/** The Node binaries to run on: this one if it is 20, and the cached 22 and 24. */
function nodes(root) {
  const list = [];
  if (process.versions.node.startsWith('20.')) list.push({ major: 20, path: process.execPath });
  for (const spec of nodePins(root)) {
    const path = execFileSync(join(root, 'scripts/npm-cache-install.sh'), [spec], {
      encoding: 'utf8',
    }).trim();
    list.push({ major: Number(spec.split('@')[1].split('.')[0]), path });
  }
  return list;
}

/** Baseline (c): the minimal SDK server bundled as the program is. */
async function bundleBaseline(root) {
  const { build } = await import('esbuild');
  const { BUNDLE_OPTIONS } = await import('../scripts/build.mjs');
  const outfile = join(root, 'node_modules/.cache/hostsmith-mcp-bench/minimal-sdk-server.bundle.mjs');
  // Replaced, not written over: node_modules may be a hard-linked copy shared with other clones.
  rmSync(outfile, { force: true });
  await build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: [join(root, 'bench/baselines/minimal-sdk-server.mjs')],
    outfile,
  });
  return outfile;
}

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** One start: ms to the tools/list answer, and memory at rest after it. */
function once(node, args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(node, args, { stdio: ['pipe', 'pipe', 'ignore'], env });
    let buffer = '';
    let listMs;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (listMs === undefined) reject(new Error(`${args[0]} exited (${signal ?? code}) before tools/list`));
    });
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const msg = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (msg.id === 1) {
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
          child.stdin.write(
            `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} })}\n`,
          );
        } else if (msg.id === 2) {
          listMs = Number(process.hrtime.bigint() - started) / 1e6;
          if (!Array.isArray(msg.result?.tools))
            reject(new Error(`${args[0]}: tools/list gave no tool list`));
          setTimeout(() => {
            let memory;
            try {
              memory = status(child.pid);
            } catch (error) {
              reject(error);
            }
            child.once('exit', () => resolve({ listMs, ...memory }));
            child.stdin.end();
          }, REST_MS);
        }
      }
    });
    child.stdin.write(`${JSON.stringify(INIT)}\n`);
  });
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function figure({ id, label, unit, values, baseline, target }) {
  const median = quantile(values, 0.5);
  const many = values.length > 1;
  const out = {
    id,
    label,
    unit,
    median,
    p90: many ? quantile(values, 0.9) : median,
    p99: many ? quantile(values, 0.99) : median,
    samples: values.length,
    baseline: baseline && { label: baseline.label, median: quantile(baseline.values, 0.5) },
  };
  out.ratio = out.baseline ? median / out.baseline.median : undefined;
  out.target = target;
  out.met = target ? out.ratio <= target.max : undefined;
  return out;
}

export async function run({ smoke = false, root }) {
  const runs = smoke ? 1 : RUNS;
  const work = mkdtempSync(join(tmpdir(), 'hostsmith-bench-startup-'));
  try {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: work,
      // A config folder of its own: the server must not touch the machine's credentials. Nothing
      // listens at the API URL: no request is made before a tool call.
      HOSTSMITH_MCP_CONFIG_DIR: join(work, 'config'),
      HOSTSMITH_API_URL: 'http://127.0.0.1:9',
      // bin/ keeps its compile cache (Node 22+) in the OS temp folder: this run's own. Not
      // NODE_COMPILE_CACHE, which would turn the cache on for the baselines too.
      TMPDIR: work,
    };
    const candidates = {
      a: { label: 'Node floor (a)', args: [join(root, 'bench/baselines/node-floor.mjs')] },
      b: {
        label: 'minimal SDK server, unbundled (b)',
        args: [join(root, 'bench/baselines/minimal-sdk-server.mjs')],
      },
      c: { label: 'minimal SDK server, bundled (c)', args: [await bundleBaseline(root)] },
      ours: { label: 'hostsmith-mcp', args: [join(root, 'bin/hostsmith-mcp.js')] },
    };
    const versions = nodes(root);
    const results = new Map(); // `${major}.${key}` → samples
    // The warm-up round (-1) is left out of a smoke run: it only steadies the figures.
    for (let round = smoke ? 0 : -1; round < runs; round++) {
      // Interleaved: every candidate on every Node in each round, so noise hits all alike.
      for (const node of versions) {
        for (const [key, c] of Object.entries(candidates)) {
          const sample = await once(node.path, c.args, env);
          if (round < 0) continue; // the warm-up round
          const name = `${node.major}.${key}`;
          results.set(name, [...(results.get(name) ?? []), sample]);
        }
      }
    }
    const pick = (major, key, field) => results.get(`${major}.${key}`).map((s) => s[field]);
    return versions.flatMap(({ major }) => {
      // Node 24 is reported; the targets are for 20 and 22.
      const targeted = major !== 24;
      const ratioTarget = targeted ? { max: 1.0, of: 'ratio' } : undefined;
      return [
        figure({
          id: `startup.node${major}.tools_list`,
          label: `spawn → tools/list (Node ${major})`,
          unit: 'ms',
          values: pick(major, 'ours', 'listMs'),
          baseline: { label: candidates.c.label, values: pick(major, 'c', 'listMs') },
          target: ratioTarget,
        }),
        figure({
          id: `startup.node${major}.tools_list_vs_floor`,
          label: `spawn → tools/list vs the Node floor (Node ${major})`,
          unit: 'ms',
          values: pick(major, 'ours', 'listMs'),
          baseline: { label: candidates.a.label, values: pick(major, 'a', 'listMs') },
        }),
        figure({
          id: `startup.node${major}.unbundled_sdk`,
          label: `spawn → tools/list, minimal SDK server unbundled (b) vs bundled (c) (Node ${major})`,
          unit: 'ms',
          values: pick(major, 'b', 'listMs'),
          baseline: { label: candidates.c.label, values: pick(major, 'c', 'listMs') },
        }),
        figure({
          id: `startup.node${major}.rss_at_rest`,
          label: `RSS at rest after tools/list (Node ${major})`,
          unit: 'MiB',
          values: pick(major, 'ours', 'rssMiB'),
          baseline: { label: candidates.b.label, values: pick(major, 'b', 'rssMiB') },
          target: ratioTarget,
        }),
        figure({
          id: `startup.node${major}.rss_peak`,
          label: `peak RSS by tools/list (Node ${major})`,
          unit: 'MiB',
          values: pick(major, 'ours', 'peakMiB'),
          baseline: { label: candidates.b.label, values: pick(major, 'b', 'peakMiB') },
        }),
      ];
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Run alone: `node bench/startup.bench.mjs [--smoke]` prints the figures.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { resolve } = await import('node:path');
  const figures = await run({
    smoke: process.argv.includes('--smoke'),
    root: resolve(import.meta.dirname, '..'),
  });
  for (const f of figures) {
    const ratio =
      f.ratio === undefined
        ? ''
        : ` ×${f.ratio.toFixed(2)} ${f.baseline.label} (${f.baseline.median.toFixed(1)})`;
    const met = f.met === undefined ? '' : f.met ? ' met' : ' NOT met';
    console.log(`${f.label.padEnd(60)} ${f.median.toFixed(1).padStart(7)} ${f.unit}${ratio}${met}`);
  }
}

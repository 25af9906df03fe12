#!/usr/bin/env node
// Startup and memory of the real server, as a whole process, against floors measured in the
// same run: (a) Node answering JSON-RPC with no library, (b) the smallest official-SDK v2
// server. For each: spawn, send initialize + tools/list over stdio, time until the tools/list
// answer, read the peak RSS (VmHWM), then close stdin. Prints a table and one JSON line.
//
//   npm run bench            (builds first; RUNS=20 by default)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 20);

const candidates = [
  { name: 'node floor (a)', args: [join(root, 'bench/baselines/node-floor.mjs')] },
  { name: 'minimal SDK server (b)', args: [join(root, 'bench/baselines/minimal-sdk-server.mjs')] },
  { name: 'hostsmith-mcp', args: [join(root, 'bin/hostsmith-mcp.js')] },
];

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
};

function once(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      stdio: ['pipe', 'pipe', 'ignore'],
      // A config dir of its own: the server must not touch the machine's credentials.
      env: {
        ...process.env,
        HOSTSMITH_MCP_CONFIG_DIR: '/nonexistent-bench',
        HOSTSMITH_API_URL: 'http://127.0.0.1:9',
      },
    });
    let buffer = '';
    let initMs;
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        const msg = JSON.parse(line);
        if (msg.id === 1) {
          initMs = Number(process.hrtime.bigint() - started) / 1e6;
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
          child.stdin.write(
            `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} })}\n`,
          );
        } else if (msg.id === 2) {
          const listMs = Number(process.hrtime.bigint() - started) / 1e6;
          let rssKb = 0;
          try {
            const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
            rssKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
          } catch {}
          child.stdin.end();
          child.once('exit', () => resolve({ initMs, listMs, rssKb }));
        }
      }
    });
    child.once('error', reject);
    child.stdin.write(`${JSON.stringify(INIT)}\n`);
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const results = {};
// Interleave candidates so that machine noise hits all of them alike.
for (let i = 0; i < runs; i++) {
  for (const c of candidates) {
    const r = await once(c.args);
    results[c.name] = [...(results[c.name] ?? []), r];
  }
}

const summary = candidates.map((c) => ({
  name: c.name,
  listMs: median(results[c.name].map((r) => r.listMs)),
  rssMb: median(results[c.name].map((r) => r.rssKb)) / 1024,
}));
const [floor, sdk] = summary;
console.log(`startup to tools/list, median of ${runs} runs (Node ${process.version}):`);
for (const s of summary) {
  console.log(
    `  ${s.name.padEnd(24)} ${s.listMs.toFixed(1).padStart(7)} ms  ${s.rssMb.toFixed(1).padStart(6)} MiB` +
      `  ×${(s.listMs / floor.listMs).toFixed(2)} floor  ×${(s.listMs / sdk.listMs).toFixed(2)} SDK` +
      `  mem ×${(s.rssMb / sdk.rssMb).toFixed(2)} SDK`,
  );
}
console.log(JSON.stringify({ runs, node: process.version, summary }));

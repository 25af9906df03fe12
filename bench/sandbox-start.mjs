#!/usr/bin/env node
// How long `npm run sandbox -- --port 0 --json --auto-approve` takes to print its JSON line
// (issue 2 asks for under 2 s), against `node -e 0` through npm in the same run as the floor.
//
//   node bench/sandbox-start.mjs      (RUNS=5 by default)
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 5);

function once(args, untilLine) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('npm', args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (untilLine && line) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        process.kill(-child.pid, 'SIGTERM');
        child.once('exit', () => resolve(ms));
      }
    });
    child.once('exit', () => {
      if (!untilLine) resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
    child.once('error', reject);
  });
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const sandbox = [];
const floor = [];
for (let i = 0; i < runs; i++) {
  sandbox.push(await once(['run', '-s', 'sandbox', '--', '--port', '0', '--json', '--auto-approve'], true));
  floor.push(await once(['exec', '--', 'node', '-e', '0'], false));
}
console.log(
  `sandbox JSON line, median of ${runs}: ${median(sandbox).toFixed(0)} ms (npm + node floor ${median(floor).toFixed(0)} ms, ×${(median(sandbox) / median(floor)).toFixed(2)})`,
);
console.log(JSON.stringify({ runs, sandboxMs: median(sandbox), floorMs: median(floor) }));

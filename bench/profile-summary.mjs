#!/usr/bin/env node
// Summarizes a server profile taken during the tool-call bench, per call:
//   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/run.mjs --only tool-call
//   node bench/profile-summary.mjs /tmp/prof/CPU.*.cpuprofile 9200
// (9,200 calls in a full run: 100 warm-up, 2,000 sequential, 7 × 1,000 in flight.)
import { readFileSync } from 'node:fs';
import { summarizeProfile } from './lib/profile.mjs';

const [file, callsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('Usage: node bench/profile-summary.mjs FILE.cpuprofile [CALLS]\n');
  process.exit(2);
}
const calls = Number(callsArg ?? 1);
const { total, categories } = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')));
const busy = categories
  .filter(([name]) => name !== 'idle' && name !== 'startup (module loading)')
  .reduce((sum, [, us]) => sum + us, 0);
const ms = (us) => `${(us / 1000).toFixed(0)} ms`.padStart(9);
process.stdout.write(
  `${ms(total)} in all; busy after start ${ms(busy)} = ${(busy / calls).toFixed(1)} µs per call\n`,
);
for (const [name, us] of categories) {
  const share = name === 'idle' || name.startsWith('startup') ? '' : `${((100 * us) / busy).toFixed(0)}%`;
  process.stdout.write(
    `${ms(us)} ${`${(us / calls).toFixed(1)} µs/call`.padStart(14)} ${share.padStart(4)}  ${name}\n`,
  );
}

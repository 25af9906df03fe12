#!/usr/bin/env node
// The bench suite: imports every bench/*.bench.mjs, runs them against one shared sandbox, prints
// one table, writes bench/results.json and the table in bench/README.md. See bench/README.md.
//
//   npm run bench                              (builds first, then this)
//   node bench/run.mjs --only startup,deploy   (the others keep their last results)
//   node bench/run.mjs --smoke [--out FILE]    (one short iteration of each, all at once;
//                                               results to FILE or a temp file, never results.json)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { markdownTable, textTable, withTable } from './lib/report.mjs';
import { startSandbox } from './lib/sandbox.mjs';
import { figureProblem } from './lib/stats.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const RESULTS = join(BENCH, 'results.json');
const README = join(BENCH, 'README.md');

const HELP = `Usage: node bench/run.mjs [--smoke] [--only NAME,NAME] [--out FILE]

  --smoke       one short iteration of every bench, run at the same time (timings mean nothing);
                results go to --out or a temp file, never to bench/results.json or the README
  --only LIST   only these benches (names of bench/<name>.bench.mjs); the others keep their
                last results in bench/results.json
  --out FILE    write the results there instead
`;

function parse() {
  try {
    const { values } = parseArgs({
      options: {
        smoke: { type: 'boolean', default: false },
        only: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    return values;
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\n\n${HELP}`);
    process.exit(2);
  }
}

/** One bench module, run: its figures, or the error that stopped it (the others still run). */
async function runBench(name, smoke, sandbox) {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  let title = name;
  try {
    const mod = await import(pathToFileURL(join(BENCH, `${name}.bench.mjs`)).href);
    if (typeof mod.title === 'string') title = mod.title;
    if (typeof mod.run !== 'function') throw new Error(`bench/${name}.bench.mjs exports no run()`);
    const figures = await mod.run({ smoke, root: ROOT, sandbox });
    if (!Array.isArray(figures) || figures.length === 0) throw new Error('run() returned no figures');
    const problems = figures.map(figureProblem).filter(Boolean);
    if (problems.length) throw new Error(`run() returned malformed figures: ${problems.join('; ')}`);
    process.stderr.write(`bench: ${name} done in ${seconds().toFixed(1)} s\n`);
    return { name, title, seconds: seconds(), figures };
  } catch (error) {
    process.stderr.write(`bench: ${name} FAILED after ${seconds().toFixed(1)} s: ${error.stack ?? error}\n`);
    return { name, title, seconds: seconds(), error: String(error.message ?? error) };
  }
}

async function main() {
  const opts = parse();
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const names = readdirSync(BENCH)
    .filter((f) => f.endsWith('.bench.mjs'))
    .map((f) => f.slice(0, -'.bench.mjs'.length))
    .sort();
  const only = opts.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = (only ?? []).filter((n) => !names.includes(n));
  if (unknown.length) {
    process.stderr.write(`bench: no bench/${unknown[0]}.bench.mjs (there are: ${names.join(', ')})\n`);
    return 2;
  }
  const chosen = only ? names.filter((n) => only.includes(n)) : names;

  const started = Date.now();
  const sandbox = await startSandbox({ root: ROOT });
  let benches;
  try {
    // Smoke checks that everything runs, not how fast: all at once keeps the test command short.
    benches = opts.smoke
      ? await Promise.all(chosen.map((n) => runBench(n, true, sandbox)))
      : await chosenInOrder(chosen, sandbox);
  } finally {
    await sandbox.close();
  }

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    smoke: opts.smoke,
    seconds: (Date.now() - started) / 1000,
    benches,
  };
  if (only && !opts.smoke && !opts.out) {
    // The benches not run keep their last figures (each bench says when it ran).
    const last = readJson(RESULTS)?.benches ?? [];
    const ran = new Set(chosen);
    results.benches = [...last.filter((b) => !ran.has(b.name)), ...benches].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
  }
  for (const b of benches) b.date = results.date;

  process.stdout.write(`\n${textTable(results.benches)}\n\n`);
  const out =
    opts.out ?? (opts.smoke ? join(tmpdir(), `hostsmith-bench-smoke-${process.pid}.json`) : RESULTS);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  if (out === RESULTS) writeFileSync(README, withTable(readFileSync(README, 'utf8'), markdownTable(results)));
  process.stdout.write(
    `results: ${out}${out === RESULTS ? ' (and the table in bench/README.md)' : ''}; ${results.seconds.toFixed(0)} s in all\n`,
  );
  return benches.some((b) => b.error) ? 1 : 0;
}

async function chosenInOrder(chosen, sandbox) {
  const out = [];
  for (const name of chosen) out.push(await runBench(name, false, sandbox));
  return out;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

// Ctrl-C: exit, and process.mjs's exit hook ends every child group (the sandbox included).
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench: ${error.stack ?? error}\n`);
    process.exit(1);
  },
);

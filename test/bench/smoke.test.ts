// The bench suite cannot rot: `node bench/run.mjs --smoke` (one short iteration of every bench,
// against the sandbox, the registry and the built server) must run every bench module, print the
// one table and write results of the contract's shape — to its own file, never to the committed
// bench/results.json or bench/README.md. No timing is asserted: only the shape.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/v4';
import { ROOT, tempDir } from '../helpers/mcp-server.js';

const Num = z.number().finite();
const Figure = z
  .object({
    id: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/),
    label: z.string().min(1),
    unit: z.enum(['ms', 'MiB', 'MB', 'packages', 'ops/s']),
    median: Num,
    p90: Num,
    p99: Num,
    samples: z.number().int().min(1),
    baseline: z.object({ label: z.string().min(1), median: Num }).optional(),
    ratio: Num.optional(),
    target: z
      .union([
        z.object({ max: Num, of: z.enum(['ratio', 'value']) }),
        z.object({ min: Num, of: z.enum(['ratio', 'value']) }),
      ])
      .optional(),
    met: z.boolean().optional(),
  })
  .refine((f) => (f.baseline === undefined) === (f.ratio === undefined), 'a baseline goes with a ratio')
  .refine((f) => (f.target === undefined) === (f.met === undefined), 'a target goes with met')
  .refine(
    (f) => f.samples > 1 || (f.p90 === f.median && f.p99 === f.median),
    'one sample: p90 = p99 = median',
  );
const Results = z.object({
  date: z.iso.datetime(),
  node: z.string().regex(/^v\d+\./),
  platform: z.string().min(1),
  cpus: z.number().int().min(1),
  cpuModel: z.string().min(1),
  smoke: z.literal(true),
  benches: z.array(
    z.object({
      name: z.string(),
      title: z.string().min(1),
      figures: z.array(Figure).min(1),
    }),
  ),
});

const BENCH = join(ROOT, 'bench');
const modules = readdirSync(BENCH)
  .filter((f) => f.endsWith('.bench.mjs'))
  .map((f) => f.slice(0, -'.bench.mjs'.length))
  .sort();
const committed = (file: string) =>
  existsSync(join(BENCH, file)) ? readFileSync(join(BENCH, file), 'utf8') : '';

function smoke(out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(BENCH, 'run.mjs'), '--smoke', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('bench smoke run', () => {
  it('runs every bench module and writes every figure with median, p90, p99, baselines and ratios', {
    // A fresh machine downloads mcp-remote and our dependencies into its npm cache once.
    timeout: 300_000,
  }, async () => {
    const before = { results: committed('results.json'), readme: committed('README.md') };
    const out = join(tempDir('hostsmith-bench-smoke-'), 'results.json');
    const run = await smoke(out);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);

    const written = JSON.parse(readFileSync(out, 'utf8')) as {
      benches: Array<{ name: string; error?: string }>;
    };
    expect(written.benches.filter((b) => b.error).map((b) => `${b.name}: ${b.error}`)).toEqual([]);
    const results = Results.parse(written);
    expect(results.benches.map((b) => b.name).sort()).toEqual(modules);
    const figures = results.benches.flatMap((b) => b.figures);
    expect(new Set(figures.map((f) => f.id)).size, 'figure ids are unique').toBe(figures.length);
    for (const bench of results.benches) {
      expect(
        bench.figures.some((f) => f.baseline !== undefined),
        `${bench.name}: a baseline measured in the same run`,
      ).toBe(true);
    }
    // This harness's own benches: the figures, each with its baseline and target.
    const byId = new Map(figures.map((f) => [f.id, f]));
    for (const id of [
      'install.packages',
      'install.bytes',
      'npx.first_initialize',
      'tool_call.added_p50',
      'tool_call.added_p99',
      'tool_call.throughput_64',
    ]) {
      expect(byId.get(id), id).toMatchObject({ baseline: expect.any(Object), target: expect.any(Object) });
    }
    // The one table: its header, every bench's title and every figure's label.
    expect(run.stdout).toMatch(/figure\s+median\s+p90\s+p99\s+baseline\s+ratio\s+target\s+met/);
    for (const bench of results.benches) expect(run.stdout).toContain(bench.title);
    for (const f of figures) expect(run.stdout).toContain(f.label);
    // Smoke never touches what is committed.
    expect(committed('results.json')).toBe(before.results);
    expect(committed('README.md')).toBe(before.readme);
  });
});

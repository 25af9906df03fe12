// The bench harness's pure parts: percentiles, figures (ratio, met), the README's table block,
// how an install's node_modules is counted, and how a server profile is summarized.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/mcp-server.js';

interface Figure {
  median: number;
  p90: number;
  p99: number;
  samples: number;
  ratio?: number;
  met?: boolean;
}
interface Stats {
  percentile(values: number[], q: number): number;
  median(values: number[]): number;
  figure(opts: Record<string, unknown>): Figure;
  figureProblem(f: unknown): string | undefined;
}
interface Report {
  withTable(readme: string, table: string): string;
  TABLE_START: string;
  TABLE_END: string;
}
interface Npm {
  footprint(dir: string): { packages: number; bytes: number };
}
interface Profile {
  summarizeProfile(profile: unknown): { total: number; categories: [string, number][] };
}
// Plain .mjs modules (no types): imported by URL.
const load = async <T>(file: string) =>
  (await import(pathToFileURL(join(ROOT, 'bench/lib', file)).href)) as T;
const stats = await load<Stats>('stats.mjs');
const report = await load<Report>('report.mjs');
const npm = await load<Npm>('npm.mjs');
const profile = await load<Profile>('profile.mjs');

describe('bench stats', () => {
  it('takes percentiles by nearest rank and the median as the middle', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(stats.percentile(values, 0.5)).toBe(50);
    expect(stats.percentile(values, 0.9)).toBe(90);
    expect(stats.percentile(values, 0.99)).toBe(99);
    expect(stats.percentile([7], 0.99)).toBe(7);
    expect(stats.median([3, 1, 2])).toBe(2);
    expect(stats.median([4, 1, 3, 2])).toBe(2.5);
    expect(() => stats.median([])).toThrow(/no samples/);
  });

  it('builds figures: ratio to the baseline, met against a ratio or a value target', () => {
    const timed = stats.figure({
      id: 'x.time',
      label: 't',
      unit: 'ms',
      values: [10, 20, 30],
      baseline: { label: 'b', median: 40 },
      target: { max: 0.4, of: 'ratio' },
    });
    expect(timed).toMatchObject({ median: 20, p90: 30, p99: 30, samples: 3, ratio: 0.5, met: false });
    const one = stats.figure({
      id: 'x.count',
      label: 'n',
      unit: 'packages',
      values: [3],
      baseline: { label: 'b', median: 84 },
      target: { max: 3, of: 'value' },
    });
    expect(one).toMatchObject({ median: 3, p90: 3, p99: 3, met: true });
    const faster = stats.figure({
      id: 'x.rate',
      label: 'r',
      unit: 'ops/s',
      values: [70],
      baseline: { label: 'b', median: 100 },
      target: { min: 0.7, of: 'ratio' },
    });
    expect(faster.met).toBe(true);
    expect(stats.figure({ id: 'x.info', label: 'i', unit: 'MB', values: [1] }).met).toBeUndefined();
    expect(stats.figureProblem(timed)).toBeUndefined();
    expect(stats.figureProblem({ ...timed, p99: Number.NaN })).toMatch(/p99/);
    expect(stats.figureProblem({ ...timed, ratio: undefined })).toMatch(/ratio/);
    expect(stats.figureProblem({ ...timed, unit: 's' })).toMatch(/unit/);
  });
});

describe('bench report', () => {
  it('replaces only the text between the table markers, and appends them when missing', () => {
    const { TABLE_START, TABLE_END } = report;
    const readme = `# B\n\nintro\n\n${TABLE_START}\nold\n${TABLE_END}\n\nafter\n`;
    expect(report.withTable(readme, 'new')).toBe(
      `# B\n\nintro\n\n${TABLE_START}\nnew\n${TABLE_END}\n\nafter\n`,
    );
    expect(report.withTable('# B\n', 'new')).toBe(`# B\n\n${TABLE_START}\nnew\n${TABLE_END}\n`);
  });
});

describe('bench install footprint', () => {
  it('counts every package folder (scoped and nested) and the bytes of every file, not links', () => {
    const dir = join(tempDir('hostsmith-bench-footprint-'), 'node_modules');
    const file = (path: string, bytes: number) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), Buffer.alloc(bytes));
    };
    file('a/package.json', 10);
    file('a/lib/sub/x.js', 100); // a folder inside a package is not a package
    file('@s/b/package.json', 20);
    file('@s/c/package.json', 30);
    file('a/node_modules/d/package.json', 40); // nested copy
    file('.package-lock.json', 5);
    mkdirSync(join(dir, '.bin'));
    expect(npm.footprint(dir)).toEqual({ packages: 4, bytes: 205 });
  });
});

describe('bench profile summary', () => {
  const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
    id,
    callFrame: { functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' },
    children,
  });

  it('adds self time per category, sets module loading apart, largest first', () => {
    const root = 'file:///repo';
    const nodes = [
      frame(1, '(root)', '', [2, 3, 4, 5, 6, 9, 10]),
      frame(2, '(idle)', ''),
      frame(3, 'loadESM', 'node:internal/modules/esm/loader', [7]),
      frame(4, 'checkLine', `${root}/dist/mcp/stdio/check.js`, [8]),
      frame(5, 'request', `${root}/node_modules/undici/lib/api/api-request.js`),
      frame(6, 'send', `${root}/node_modules/@modelcontextprotocol/server/dist/stdio.mjs`, [11]),
      frame(7, 'parse', `${root}/node_modules/zod/v4/core/schemas.js`),
      frame(8, 'parse', `${root}/node_modules/zod/v4/core/schemas.js`),
      frame(9, '(garbage collector)', ''),
      frame(10, 'emit', 'node:events'),
      frame(11, 'writeUtf8String', ''),
    ];
    const samples = [2, 7, 4, 8, 8, 5, 6, 9, 10, 11, 11];
    const timeDeltas = [100, 50, 10, 20, 20, 30, 5, 7, 3, 40, 40];
    const { total, categories } = profile.summarizeProfile({ nodes, samples, timeDeltas });
    expect(total).toBe(325);
    expect(categories).toEqual([
      ['idle', 100],
      ['write syscalls', 80],
      ['startup (module loading)', 50],
      ['zod (SDK and ours)', 40],
      ['undici (HTTP client)', 30],
      ['hostsmith-mcp', 10],
      ['GC', 7],
      ['MCP SDK (not zod)', 5],
      ['Node (streams, net, timers, events)', 3],
    ]);
  });
});

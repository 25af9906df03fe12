// Bad tool input, property-based (fast-check, fixed seed): for every tool of ALL_TOOLS, 2,000
// cases in-process through the real McpServer (SDK in-memory transport pair, the real
// HostsmithClient on a recording mock of the API) and 100 through stdio against the BUILT server
// and the sandbox. Each case is valid arguments with fields made hostile (wrong types, huge
// strings up to 1 MiB, unicode, NUL, traversal in every id and path, unknown partitions), left
// out, or joined by extra properties. Each must get a tool error that names a changed field, or
// be a correct call; the server must keep answering; no request may leave the route table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../src/mcp/tools/index.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { type InProcessServer, inProcessServer } from '../helpers/in-process-server.js';
import { type RunningServer, tempDir } from '../helpers/mcp-server.js';
import {
  type Case,
  caseArb,
  defaultHome,
  judge,
  SEED,
  type SentRequest,
  type ToolSpec,
  toolSpecs,
  validSiteId,
} from '../helpers/tool-fuzz.js';

const IN_PROCESS_RUNS = 2_000;
const STDIO_RUNS = 100;

/** A small folder to deploy: two files, one in a subfolder. */
function deployFixture(): string {
  const dir = tempDir('fuzz-deploy-');
  writeFileSync(join(dir, 'index.html'), '<p>fuzz</p>');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'a.txt'), 'a');
  return dir;
}

/** Runs `runs` cases of one tool; a failure names the case, its answer and the seed to replay. */
async function fuzz(
  spec: ToolSpec,
  via: 'in-process' | 'stdio',
  runs: number,
  call: (c: Case) => Promise<{ isError: boolean; text: string; sent: SentRequest[] }>,
  opts: { apiErrors?: RegExp } = {},
): Promise<{ refused: number; succeeded: number }> {
  const tally = { refused: 0, succeeded: 0 };
  await fc.assert(
    fc.asyncProperty(caseArb(spec), async (c) => {
      const answer = await call(c);
      const problems = judge(spec.name, c, answer, answer.sent, opts);
      if (problems.length) {
        throw new Error(`${spec.name}: ${problems.join('; ')}\n  answer: ${answer.text.slice(0, 400)}`);
      }
      if (answer.isError) tally.refused += 1;
      else tally.succeeded += 1;
    }),
    { numRuns: runs, seed: SEED },
  );
  figures.push({ tool: spec.name, via, ...tally });
  return tally;
}

/** What each batch did, printed once at the end (the figures docs/security.md quotes). */
const figures: { tool: string; via: string; refused: number; succeeded: number }[] = [];
afterAll(() => {
  for (const via of ['in-process', 'stdio']) {
    const rows = figures.filter((f) => f.via === via);
    if (rows.length === 0) continue;
    const sum = (k: 'refused' | 'succeeded') => rows.reduce((n, f) => n + f[k], 0);
    console.info(
      `bad tool input (${via}, seed ${SEED}): ${sum('refused') + sum('succeeded')} calls over ${rows.length} tools, ${sum('refused')} refused, ${sum('succeeded')} correct calls`,
    );
  }
});

describe('bad tool input, in-process (McpServer on the in-memory transport pair)', () => {
  const fixture = deployFixture();
  const specs = toolSpecs({
    siteId: validSiteId,
    directory: { fixture, cwd: process.cwd(), home: defaultHome },
  });
  let mcp: InProcessServer;
  beforeAll(async () => {
    mcp = await inProcessServer();
  });
  afterAll(() => mcp.close());

  it('covers every tool the server offers', () => {
    expect(specs.map((s) => s.name)).toEqual(ALL_TOOLS.map((t) => t.name));
  });

  for (const spec of specs) {
    it(`${spec.name}: ${IN_PROCESS_RUNS} cases, each a named refusal or a correct call`, async () => {
      const tally = await fuzz(spec, 'in-process', IN_PROCESS_RUNS, async (c) => {
        mcp.sent.length = 0;
        const result = await mcp.client.callTool({ name: spec.name, arguments: c.args });
        return { isError: result.isError === true, text: text(result), sent: [...mcp.sent] };
      });
      // Both outcomes happened: the generator reaches past the schema, and the oracle was used.
      expect(tally.refused).toBeGreaterThan(IN_PROCESS_RUNS / 10);
      expect(tally.succeeded).toBeGreaterThan(IN_PROCESS_RUNS / 20);
      // Still serving, and nothing reached a prototype through "__proto__" or "constructor".
      ok(await mcp.client.callTool({ name: 'get_account', arguments: {} }));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }
});

describe('bad tool input through stdio (built server, sandbox)', async () => {
  const env = await e2e();
  const fixture = deployFixture();
  let server: RunningServer;
  /** One real site per tool, so that delete_site and deploy_directory spoil no other tool's. */
  const sites = new Map<string, string>();
  const specsFor = (siteId: string) =>
    toolSpecs({
      siteId: fc.oneof({ weight: 4, arbitrary: fc.constant(siteId) }, { weight: 1, arbitrary: validSiteId }),
      directory: { fixture, cwd: process.cwd(), home: env.configDir },
    });

  beforeAll(async () => {
    server = await env.server();
    for (const tool of ALL_TOOLS) {
      const site = ok<{ id: string }>(
        await server.client.callTool({
          name: 'create_site',
          arguments: { name: `fuzz-${tool.name.replace(/_/g, '-')}-${process.pid}` },
        }),
      );
      sites.set(tool.name, site.id);
    }
  });

  for (const tool of ALL_TOOLS) {
    it(`${tool.name}: ${STDIO_RUNS} cases, and the server still answers`, async () => {
      const spec = specsFor(sites.get(tool.name)!).find((s) => s.name === tool.name)!;
      const tally = await fuzz(
        spec,
        'stdio',
        STDIO_RUNS,
        async (c) => {
          env.sandbox.window.clearRequestLog();
          const result = await server.client.callTool({ name: spec.name, arguments: c.args });
          const sent = env.sandbox.window
            .requestLog()
            .filter((e) => e.server === 'api')
            .map((e) => ({ method: e.method, path: e.path, partition: e.partition }));
          return { isError: result.isError === true, text: text(result), sent };
        },
        // What the real API may answer a well-formed call: the site or file is gone, the name taken.
        { apiErrors: /^(Not found|Name taken): / },
      );
      expect(tally.refused + tally.succeeded).toBe(STDIO_RUNS);
      ok(await server.client.callTool({ name: 'get_account', arguments: {} }));
      expect(server.stderr()).not.toMatch(/^\s+at\s/m);
    });
  }
});

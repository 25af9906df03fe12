// The 40,000-byte ceiling's safety net: a tool whose result is over it, through the real
// McpServer in-process, reaches the client as a short error that says so and what to do.
import type { CallToolResult } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod/v4';
import {
  capResult,
  fitCount,
  fitPage,
  jsonBytesAtMost,
  MAX_RESULT_BYTES,
  resultBytes,
} from '../../src/mcp/result-size.js';
import { defineTool } from '../../src/mcp/tool.js';
import { text } from '../helpers/e2e.js';
import { inProcessServer } from '../helpers/in-process-server.js';

/** A fake tool answering `rows` lines of 100 bytes, in its text and its structured result. */
const fake = (name: string, readOnly: boolean) =>
  defineTool({
    name,
    title: name,
    description: 'A result as large as asked for.',
    inputSchema: z.object({ rows: z.number().int() }),
    outputSchema: z.object({ rows: z.array(z.string()) }),
    annotations: {
      readOnlyHint: readOnly,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
    async handler({ rows }) {
      const lines = Array.from({ length: rows }, (_, i) => `row ${i} `.padEnd(100, 'x'));
      return { structured: { rows: lines }, text: lines.join('\n') };
    },
  });

const mcp = await inProcessServer({ tools: [fake('big_read', true), fake('big_write', false)] });
afterAll(() => mcp.close());

const call = async (name: string, rows: number) =>
  (await mcp.client.callTool({ name, arguments: { rows } })) as CallToolResult;

describe('the ceiling on every tool result', () => {
  it('an oversized result becomes an error under the ceiling that names its size and what to do', async () => {
    const result = await call('big_read', 1000); // about 210,000 bytes as made
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(resultBytes(result as never)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    const said = text(result);
    expect(said).toMatch(/^big_read's result is \d+ bytes, over the 40000-byte limit for one tool result/);
    expect(said).toMatch(/Ask for less: a smaller limit, a prefix/);
    // As many whole lines of its text as fit, from the start.
    expect(said).toMatch(/Its first \d+ of 1000 lines:\nrow 0 x+\nrow 1 x+/);
    const kept = said.split('\n').filter((l) => l.startsWith('row '));
    expect(kept.length).toBeGreaterThan(100);
    for (const line of kept) expect(line).toHaveLength(100);
  });

  it('a tool that changes things says its change was made', async () => {
    const said = text(await call('big_write', 1000));
    expect(said).toMatch(/^big_write's result is .* The call was carried out; check its outcome/);
  });

  it('a result under the ceiling passes untouched', async () => {
    const result = await call('big_read', 150); // about 31,000 bytes
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { rows: string[] }).rows).toHaveLength(150);
    const result2 = { content: [{ type: 'text' as const, text: 'small' }], structuredContent: { a: 1 } };
    expect(capResult({ name: 'x', annotations: { readOnlyHint: true } }, result2)).toBe(result2);
  });
});

describe('the bound that spares measuring a small result', () => {
  const exact = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

  it('is never under the serialized size, whatever the JSON', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const value = fc.oneof(fc.jsonValue(), fc.dictionary(text, fc.oneof(text, fc.double(), fc.jsonValue())));
    fc.assert(
      fc.property(value, (v) => {
        expect(jsonBytesAtMost(v, Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(exact(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('holds for the worst cases: control characters, astral and lone surrogates, long numbers', () => {
    for (const v of [
      '\u0000\u001f"\\',
      '😀é€',
      '\ud800x\udfff',
      [-1.7976931348623157e308, -2.2250738585072014e-308, Number.NaN, -0],
      { '\u0001': [null, true, false, undefined], '': {} },
    ]) {
      expect(jsonBytesAtMost(v, Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(exact(v));
    }
  });

  it('gives up over the room, and on what only serializing can measure', () => {
    expect(jsonBytesAtMost('x'.repeat(100), 500)).toBe(Number.POSITIVE_INFINITY);
    expect(jsonBytesAtMost({ at: new Date(0) }, 1e6)).toBe(Number.POSITIVE_INFINITY);
    expect(jsonBytesAtMost({ n: 10n }, 1e6)).toBe(Number.POSITIVE_INFINITY);
  });

  it('lets a result that the bound cannot clear be measured exactly: just under the ceiling passes', () => {
    const text = 'é'.repeat(Math.floor((MAX_RESULT_BYTES - 40) / 2));
    const result = { content: [{ type: 'text' as const, text }] };
    expect(resultBytes(result)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(jsonBytesAtMost(result.content, MAX_RESULT_BYTES)).toBe(Number.POSITIVE_INFINITY);
    expect(capResult({ name: 'x', annotations: { readOnlyHint: true } }, result)).toBe(result);
  });
});

describe('paging under the ceiling', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({ path: `p${i}`.padEnd(200, 'y') }));
  const page = (n: number) => {
    const slice = rows.slice(0, n);
    return { structured: { rows: slice }, text: slice.map((r) => r.path).join('\n'), n };
  };

  it('fitCount and fitPage give the largest page that fits', () => {
    const answer = fitPage(
      fitCount(rows, (r) => r.path),
      page,
    );
    const bytes = resultBytes({
      content: [{ type: 'text', text: answer.text }],
      structuredContent: answer.structured,
    });
    expect(bytes).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    // Close to the ceiling, not far under it: the reserve for cursor and summary, and one row.
    expect(bytes).toBeGreaterThan(MAX_RESULT_BYTES - 3_000);
  });

  it('fitCount always gives one item, so a listing moves on', () => {
    expect(fitCount([{ path: 'z'.repeat(50_000) }], (r) => r.path)).toBe(1);
    expect(fitCount([], String)).toBe(0);
  });
});

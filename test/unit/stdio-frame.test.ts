// The stdio line frame on its own: lines pass one chunk each, an over-limit line is dropped as
// it streams past and answered -32600 with its top-level id, whatever the chunking.
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { LineFrame, type Refusal, type Verdict } from '../../src/mcp/stdio/frame.js';
import { TopLevelIdScanner } from '../../src/mcp/stdio/id-scan.js';

interface Run {
  lines: string[];
  refusals: Refusal[];
  oversize: boolean[];
}

async function frame(
  chunks: (string | Buffer)[],
  maxLineBytes = 64,
  check?: (line: Buffer) => Verdict,
): Promise<Run> {
  const run: Run = { lines: [], refusals: [], oversize: [] };
  const stream = new LineFrame({
    maxLineBytes,
    refuse: (refusal, oversize) => {
      run.refusals.push(refusal);
      run.oversize.push(oversize);
    },
    ...(check ? { check } : {}),
  });
  stream.on('data', (chunk: Buffer) => run.lines.push(chunk.toString('utf8')));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await finished(stream);
  return run;
}

/** The same text cut into pieces of `size` bytes. */
const pieces = (text: string, size: number) => {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
};

const over = (id: Refusal['id']): Refusal => ({ id, code: -32600, message: 'request over 64 bytes' });

describe('LineFrame', () => {
  it('passes each line as one chunk, newline included, however the input is cut', async () => {
    const text = '{"a":1}\n{"b":2}\n\n{"c":"ü"}\n';
    for (const size of [1, 2, 3, 7, text.length]) {
      const run = await frame(pieces(text, size));
      expect(run.lines, `pieces of ${size}`).toEqual(['{"a":1}\n', '{"b":2}\n', '\n', '{"c":"ü"}\n']);
      expect(run.refusals).toEqual([]);
    }
  });

  it('keeps a CRLF line whole, CR included, and counts the CR against the limit', async () => {
    const line = `{"id":1,"p":"${'x'.repeat(64 - 16)}"}`;
    expect(Buffer.byteLength(line)).toBe(63);
    expect((await frame([`${line}\r\n`])).lines).toEqual([`${line}\r\n`]);
    const longer = `{"id":2,"p":"${'x'.repeat(64 - 15)}"}`;
    const run = await frame([`${longer}\r\n`]);
    expect(run.lines).toEqual([]);
    expect(run.refusals).toEqual([over(2)]);
  });

  it('takes a line of exactly the limit and refuses one byte more', async () => {
    const exact = `{"id":5,"p":"${'y'.repeat(64 - 15)}"}`;
    expect(Buffer.byteLength(exact)).toBe(64);
    const fits = await frame(pieces(`${exact}\n`, 5));
    expect(fits.lines).toEqual([`${exact}\n`]);
    expect(fits.refusals).toEqual([]);
    const oneMore = `{"id":5,"p":"${'y'.repeat(64 - 14)}"}`;
    const refused = await frame(pieces(`${oneMore}\n`, 5));
    expect(refused.lines).toEqual([]);
    expect(refused.refusals).toEqual([over(5)]);
    expect(refused.oversize).toEqual([true]);
  });

  it.each([
    [
      'a number id before the huge string',
      `{"jsonrpc":"2.0","id":42,"method":"x","params":{"s":"${'z'.repeat(500)}"}}`,
      42,
    ],
    [
      'a string id after the huge string',
      `{"jsonrpc":"2.0","method":"x","params":{"s":"${'z'.repeat(500)}"},"id":"req-7"}`,
      'req-7',
    ],
    ['no id at all', `{"jsonrpc":"2.0","method":"x","params":{"s":"${'z'.repeat(500)}"}}`, null],
    ['an id only inside params', `{"method":"x","params":{"id":3,"s":"${'z'.repeat(500)}"}}`, null],
    ['a root that is not an object', `[{"id":9,"s":"${'z'.repeat(500)}"}]`, null],
    ['not JSON at all', 'q'.repeat(500), null],
  ])('answers an over-limit line with %s', async (_name, line, id) => {
    for (const size of [1, 13, 4096]) {
      const run = await frame([...pieces(`${line}\n`, size), '{"after":true}\n']);
      expect(run.refusals, `pieces of ${size}`).toEqual([over(id)]);
      expect(run.lines).toEqual(['{"after":true}\n']);
    }
  });

  it('answers each of several over-limit lines, and lines between them pass', async () => {
    const big = (id: number) => `{"id":${id},"s":"${'w'.repeat(100)}"}\n`;
    const text = `${big(1)}{"ok":1}\n${big(2)}${big(3)}{"ok":2}\n`;
    const run = await frame(pieces(text, 17));
    expect(run.refusals).toEqual([over(1), over(2), over(3)]);
    expect(run.lines).toEqual(['{"ok":1}\n', '{"ok":2}\n']);
  });

  it('drops a line cut off by the end of input, long or short', async () => {
    expect(await frame(['{"a":1}\n{"b":'])).toEqual({ lines: ['{"a":1}\n'], refusals: [], oversize: [] });
    expect((await frame([`{"id":1,"s":"${'v'.repeat(100)}`])).refusals).toEqual([]);
  });

  it('lets check() drop a line or answer it instead of passing it on', async () => {
    const refusal: Refusal = { id: 1, code: -32602, message: 'Invalid params' };
    const run = await frame(['keep\ndrop\nrefuse\n'], 64, (line) => {
      const text = line.toString();
      return text === 'keep' ? 'pass' : text === 'drop' ? 'drop' : refusal;
    });
    expect(run.lines).toEqual(['keep\n']);
    expect(run.refusals).toEqual([refusal]);
    expect(run.oversize).toEqual([false]);
  });

  it('names the limit in MiB when it is a whole number of MiB', async () => {
    const mib = 1024 * 1024;
    const run = await frame([`{"id":1,"s":"${'x'.repeat(mib)}"}\n`], mib);
    expect(run.refusals).toEqual([{ id: 1, code: -32600, message: 'request over 1 MiB' }]);
  });
});

describe('TopLevelIdScanner', () => {
  const idOf = (text: string, size = 1) => {
    const scanner = new TopLevelIdScanner();
    for (const piece of pieces(text, size)) scanner.feed(piece);
    return scanner.id();
  };

  it.each([
    ['{"id":1}', 1],
    ['{ "id" : -12 , "x" : 1 }', -12],
    ['{"id":"a\\"b"}', 'a"b'],
    ['{"\\u0069d":3}', 3],
    ['{"a":"\\"id\\":5","id":7}', 7],
    ['{"a":"x\\\\","id":4}', 4],
    ['{"a":"\\\\\\"","b":"\\\\","id":"e"}', 'e'],
    ['{"a":{"id":1},"b":[{"id":2}],"id":"top"}', 'top'],
    ['{"id":1,"id":2}', 2],
    ['{"id":1,"id":{"x":1}}', null],
    ['{"id":null}', null],
    ['{"id":true}', null],
    ['{"id":[1]}', null],
    ['{"idx":1}', null],
    ['[{"id":1}]', null],
    ['"id"', null],
    ['{"id":"ü-ß"}', 'ü-ß'],
  ])('%s → %j', (text, id) => {
    expect(idOf(text)).toEqual(id);
    expect(idOf(text, 1000)).toEqual(id);
  });

  it('skips long strings full of escapes, whatever the cut', () => {
    const text = `{"s":"${'\\"x\\\\'.repeat(300)}","id":"k","t":"${'\\\\'.repeat(50)}"}`;
    expect(JSON.parse(text).id).toBe('k');
    for (const size of [1, 2, 3, 7, 13, 4096]) expect(idOf(text, size), `pieces of ${size}`).toBe('k');
  });

  it('gives up on an id too long to keep rather than holding it', () => {
    expect(idOf(`{"id":"${'i'.repeat(1024)}"}`, 100)).toBe('i'.repeat(1024));
    expect(idOf(`{"id":"${'i'.repeat(1025)}"}`, 100)).toBeNull();
    expect(idOf(`{"${'k'.repeat(5000)}":1,"id":8}`, 100)).toBe(8);
  });
});

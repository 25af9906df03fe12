// What the stdio transport answers that the SDK's own would drop, line by line; the -32603 →
// -32602 rewrite of the SDK's request-schema failures; and the framed transport over fake
// streams: an oversized line is answered and the next one still arrives, nothing read before
// start() is lost, a throwing handler does not stop the next message, and the answers of one
// event-loop turn leave in one write.
import { PassThrough, Writable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { MAX_UPLOAD_CALL_BYTES } from '../../src/hostsmith/deploys.js';
import { createLogger } from '../../src/log.js';
import { checkLine } from '../../src/mcp/stdio/check.js';
import { asInvalidParams } from '../../src/mcp/stdio/invalid-params.js';
import { FramedStdioTransport, MAX_LINE_BYTES } from '../../src/mcp/stdio/transport.js';

const check = (value: unknown) =>
  checkLine(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

describe('checkLine', () => {
  it.each([
    { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'x', arguments: {} } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 3, result: {} },
    { jsonrpc: '2.0', id: 3, error: { code: -1, message: 'no' } },
  ])('hands over a JSON-RPC message read: %j', (message) => {
    expect(check(message)).toEqual({ read: message });
  });

  it('reads a line ending in CR (CRLF input)', () => {
    expect(check('{"jsonrpc":"2.0","id":1,"method":"ping"}\r')).toEqual({
      read: { jsonrpc: '2.0', id: 1, method: 'ping' },
    });
  });

  it('drops a blank line without an answer', () => {
    expect(check('')).toBe('drop');
    expect(check(' \t\r')).toBe('drop');
  });

  it('answers a line that is not JSON with -32700 and id null, without quoting it', () => {
    const verdict = check('{"jsonrpc":"2.0","id":1,"method":"ping", secret-looking-stuff');
    expect(verdict).toEqual({ id: null, code: -32700, message: 'Parse error: the line is not valid JSON' });
  });

  it.each([
    ['an array (a batch)', [{ jsonrpc: '2.0', id: 1, method: 'ping' }]],
    ['a number', 42],
    ['null', null],
    ['an object with no method', { jsonrpc: '2.0', id: 4 }],
    ['a response with a bad result', { jsonrpc: '2.0', id: 4, result: 5 }],
  ])('answers %s with -32600 and id null', (_name, value) => {
    expect(check(value)).toMatchObject({ id: null, code: -32600 });
  });

  it('answers a request with a bad envelope with -32600 naming the field, and its id', () => {
    expect(check({ jsonrpc: '1.0', id: 7, method: 'ping' })).toMatchObject({
      id: 7,
      code: -32600,
      message: expect.stringContaining('jsonrpc'),
    });
    expect(check({ jsonrpc: '2.0', id: 7, method: 'ping', extra: 1 })).toMatchObject({
      id: 7,
      code: -32600,
      message: expect.stringContaining('extra'),
    });
    expect(check({ jsonrpc: '2.0', id: true, method: 'ping' })).toMatchObject({ id: null, code: -32600 });
    expect(check({ jsonrpc: '2.0', id: 1.5, method: 'ping' })).toMatchObject({ id: null, code: -32600 });
  });

  it.each([
    ['a string', 'x', 'a string'],
    ['an array', [1], 'an array'],
    ['a number', 12, 'a number'],
    ['null', null, 'null'],
  ])('answers params that are %s with -32602 naming params', (_name, params, kind) => {
    expect(check({ jsonrpc: '2.0', id: 'r1', method: 'tools/list', params })).toEqual({
      id: 'r1',
      code: -32602,
      message: `Invalid params: params must be an object, not ${kind}`,
    });
  });

  it('answers a notification with bad params with -32602 and id null', () => {
    expect(check({ jsonrpc: '2.0', method: 'notifications/initialized', params: 'x' })).toMatchObject({
      id: null,
      code: -32602,
    });
  });

  it('names the field inside params the envelope refuses', () => {
    const verdict = check({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: 5 } });
    expect(verdict).toMatchObject({
      id: 2,
      code: -32602,
      message: expect.stringMatching(/^Invalid params: params\._meta: /),
    });
  });
});

describe('asInvalidParams', () => {
  const zodDump = JSON.stringify(
    [
      {
        expected: 'string',
        code: 'invalid_type',
        path: ['params', 'cursor'],
        message: 'Invalid input: expected string, received number',
      },
    ],
    null,
    2,
  );

  it("turns the SDK's -32603 zod dump about params into -32602 naming the field", () => {
    const answer = { jsonrpc: '2.0', id: 1, error: { code: -32603, message: zodDump } } as JSONRPCMessage;
    expect(asInvalidParams(answer)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32602,
        message: 'Invalid params: params.cursor: Invalid input: expected string, received number',
      },
    });
  });

  it("gives the SDK's -32602 with a dump behind a prefix (tools/call arguments: null) the same words", () => {
    const dump = JSON.stringify([
      {
        expected: 'record',
        code: 'invalid_type',
        path: ['params', 'arguments'],
        message: 'Invalid input: expected record, received null',
      },
    ]);
    const answer = {
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32602, message: `Invalid tools/call request: ${dump}` },
    } as JSONRPCMessage;
    expect(asInvalidParams(answer)).toEqual({
      jsonrpc: '2.0',
      id: 2,
      error: {
        code: -32602,
        message: 'Invalid params: params.arguments: Invalid input: expected record, received null',
      },
    });
  });

  it('leaves every other message as it is', () => {
    const others = [
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } },
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: '[1, 2]' } },
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: zodDump.replace('"params"', '"result"') } },
      { jsonrpc: '2.0', id: 1, error: { code: -32000, message: zodDump } },
      { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Tool nope not found' } },
      { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Invalid request: not [a dump]' } },
      { jsonrpc: '2.0', id: 1, result: { content: [] } },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } },
    ] as JSONRPCMessage[];
    for (const message of others) expect(asInvalidParams(message)).toBe(message);
  });
});

describe('the line limit', () => {
  it('holds one upload_files call at its cap, sent as base64', () => {
    const call = {
      jsonrpc: '2.0',
      id: 123456,
      method: 'tools/call',
      params: {
        name: 'upload_files',
        arguments: {
          site_id: 'site_abcdefghijklmnop',
          partition: 'eu',
          files: [
            {
              path: `${'d/'.repeat(500)}file.bin`,
              encoding: 'base64',
              content: Buffer.alloc(MAX_UPLOAD_CALL_BYTES, 0xa5).toString('base64'),
            },
          ],
        },
        _meta: { progressToken: 'progress-token-0123456789' },
      },
    };
    expect(Buffer.byteLength(JSON.stringify(call))).toBeLessThanOrEqual(MAX_LINE_BYTES);
  });
});

describe('FramedStdioTransport', () => {
  it('answers an oversized line on stdout, then delivers the next message, and lets go of stdin on close', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const written: string[] = [];
    stdout.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    const logged: string[] = [];
    const transport = new FramedStdioTransport({
      log: createLogger({ write: (line) => logged.push(line), level: 'warn' }),
      stdin,
      stdout,
      maxLineBytes: 1024,
    });
    const received: JSONRPCMessage[] = [];
    const next = new Promise<void>((resolve) => {
      transport.onmessage = (message) => {
        received.push(message);
        resolve();
      };
    });
    await transport.start();
    const answered = new Promise((resolve) => stdout.once('data', resolve));
    stdin.write(`{"jsonrpc":"2.0","id":"big","method":"ping","params":{"pad":"${'x'.repeat(5000)}"}}\n`);
    stdin.write('{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    await next;
    await answered;
    expect(received).toEqual([{ jsonrpc: '2.0', id: 2, method: 'ping' }]);
    expect(written.map((line) => JSON.parse(line))).toEqual([
      { jsonrpc: '2.0', id: 'big', error: { code: -32600, message: 'request over 1024 bytes' } },
    ]);
    expect(logged.join('')).toMatch(/refused a request over 1024 bytes .*deploy_directory/);

    await transport.send(asMessage({ jsonrpc: '2.0', id: 2, result: {} }));
    stdin.end();
    await transport.closed;
    expect(stdin.listenerCount('data')).toBe(0);
    expect(stdin.isPaused()).toBe(true);
  });
});

describe('FramedStdioTransport, per call', () => {
  const quiet = createLogger({ write: () => {}, level: 'error' });

  /** stdout as the OS sees it: one entry per write, however many messages it carries. */
  function recordingStdout() {
    const writes: string[][] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        writes.push([chunk.toString()]);
        done();
      },
      writev(chunks, done) {
        writes.push(chunks.map(({ chunk }) => String(chunk)));
        done();
      },
    });
    return { stdout, writes };
  }

  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('writes answers given while other calls run in one write; a lone call is answered at once; a notification never shares a write with the answer after it', async () => {
    const { stdout, writes } = recordingStdout();
    const stdin = new PassThrough();
    const transport = new FramedStdioTransport({ log: quiet, stdin, stdout });
    const delivered: unknown[] = [];
    transport.onmessage = (message) => delivered.push(message);
    await transport.start();
    const ids = (w: string[][]) => w.map((batch) => batch.map((line) => JSON.parse(line).id));
    const answer = (id: number) => transport.send(asMessage({ jsonrpc: '2.0', id, result: {} }));
    const progress = {
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 1, progress: 1 },
    };
    stdin.write([1, 2, 3, 4, 5].map((id) => `{"jsonrpc":"2.0","id":${id},"method":"ping"}\n`).join(''));
    await turn();
    expect(delivered).toHaveLength(5);

    // Calls 3, 4 and 5 still open: held back, then they leave together at the end of the turn.
    void answer(1);
    void answer(2);
    expect(writes).toEqual([]);
    await turn();
    expect(ids(writes)).toEqual([[1, 2]]);
    // A notification leaves at once, after the answer held back before it, in a write of its own:
    // the SDK's client would handle it after an answer read in the same chunk, too late.
    void answer(3);
    void transport.send(asMessage(progress));
    expect(ids(writes)).toEqual([[1, 2], [3], [undefined]]);
    // Call 5 is cancelled, so never answered: the answer to 4, the last open call, leaves at once.
    stdin.write('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}}\n');
    await turn();
    void answer(4);
    expect(ids(writes)).toEqual([[1, 2], [3], [undefined], [4]]);
    // A lone call is answered at once too.
    stdin.write('{"jsonrpc":"2.0","id":6,"method":"ping"}\n');
    await turn();
    void answer(6);
    expect(ids(writes)).toEqual([[1, 2], [3], [undefined], [4], [6]]);
    expect(writes.flat().every((line) => line.endsWith('}\n'))).toBe(true);
    await transport.close();
  });

  it('delivers what arrived before start(), in order', async () => {
    const stdin = new PassThrough();
    const transport = new FramedStdioTransport({ log: quiet, stdin, stdout: recordingStdout().stdout });
    stdin.write(
      '{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n',
    );
    await turn();
    const received: JSONRPCMessage[] = [];
    const two = new Promise<void>((resolve) => {
      transport.onmessage = (message) => {
        received.push(message);
        if (received.length === 2) resolve();
      };
    });
    await transport.start();
    await two;
    expect(received).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
    ]);
    await transport.close();
  });

  it('reports a handler that throws and still delivers the next message', async () => {
    const stdin = new PassThrough();
    const transport = new FramedStdioTransport({ log: quiet, stdin, stdout: recordingStdout().stdout });
    const errors: string[] = [];
    const received: unknown[] = [];
    transport.onerror = (error) => errors.push(error.message);
    const second = new Promise<void>((resolve) => {
      transport.onmessage = (message) => {
        received.push(message);
        if (received.length === 1) throw new Error('handler broke');
        resolve();
      };
    });
    await transport.start();
    stdin.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    await second;
    expect(errors).toEqual(['handler broke']);
    expect(received).toHaveLength(2);
    await transport.close();
  });
});

const asMessage = (value: unknown) => value as JSONRPCMessage;

// Bad protocol input, against the built server: raw lines on its stdin as a broken or hostile
// client would write them. Each gets the JSON-RPC answer the spec asks for (or, for the end of
// input, a clean exit), the server keeps serving, and nothing but JSON-RPC reaches stdout. Then
// the size rows through the official client: an 8 MiB binary upload (which used to kill the
// server) is stored, and a call over 25 MiB of content is refused before any request is made.
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../src/mcp/stdio/transport.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { expectOnlyJsonRpc, type RawServer, rawServer } from '../helpers/raw-stdio.js';

const env = await e2e();
const MiB = 1024 * 1024;

async function opened(): Promise<RawServer> {
  const server = rawServer({ api: env.sandbox.api, configDir: env.configDir });
  expect((await server.initialize()).result).toMatchObject({ serverInfo: { name: 'hostsmith-mcp' } });
  return server;
}

/** Ends stdin, expects exit 0 and a stdout of JSON-RPC lines only. */
async function closed(server: RawServer): Promise<void> {
  expect(await server.end()).toEqual({ code: 0, signal: null });
  expectOnlyJsonRpc(server.lines());
}

/** A ping line of exactly `bytes` bytes before its newline, padded in params, id at either end. */
async function writePing(server: RawServer, bytes: number, id: string | number, idFirst: boolean) {
  const head = idFirst
    ? `{"id":${JSON.stringify(id)},"jsonrpc":"2.0","method":"ping","params":{"pad":"`
    : '{"jsonrpc":"2.0","method":"ping","params":{"pad":"';
  const tail = idFirst ? '"}}\n' : `"},"id":${JSON.stringify(id)}}\n`;
  const pad = bytes - Buffer.byteLength(head) - Buffer.byteLength(tail) + 1;
  await server.write(head);
  await server.write(Buffer.alloc(pad, 'x'));
  await server.write(tail);
}

describe('bad protocol input', () => {
  it('answers a line that is not JSON with -32700 and id null, and goes on serving', async () => {
    const server = await opened();
    await server.write('{"jsonrpc":"2.0","id":1,"method":"ping"\n');
    expect(await server.answer(null)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error: the line is not valid JSON' },
    });
    expect(await server.request({ id: 2, method: 'ping' })).toMatchObject({ id: 2, result: {} });
    await closed(server);
  });

  it('answers JSON that is no JSON-RPC request with -32600', async () => {
    const server = await opened();
    await server.write(
      '[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n42\n{"jsonrpc":"2.0","id":3,"method":"ping","x":1}\n',
    );
    expect(await server.answer(null)).toMatchObject({ error: { code: -32600 } });
    expect(await server.answer(null)).toMatchObject({ error: { code: -32600 } });
    expect(await server.answer(3)).toMatchObject({
      error: { code: -32600, message: expect.stringContaining('x') },
    });
    expect(await server.request({ id: 4, method: 'ping' })).toMatchObject({ result: {} });
    await closed(server);
  });

  it('answers an unknown method with -32601', async () => {
    const server = await opened();
    expect(await server.request({ id: 'u', method: 'sites/destroy_everything', params: {} })).toMatchObject({
      id: 'u',
      error: { code: -32601 },
    });
    await closed(server);
  });

  it('answers params that are not an object with -32602 naming params, instead of dropping the request', async () => {
    const server = await opened();
    for (const [id, params] of [
      [10, 'x'],
      [11, [1, 2]],
      [12, 7],
    ] as const) {
      expect(await server.request({ id, method: 'tools/list', params })).toMatchObject({
        id,
        error: { code: -32602, message: expect.stringMatching(/^Invalid params: params must be an object/) },
      });
    }
    await closed(server);
  });

  it('answers tools/list with cursor 12 with -32602 naming params.cursor, not -32603 with a zod dump', async () => {
    const server = await opened();
    const answer = await server.request({ id: 5, method: 'tools/list', params: { cursor: 12 } });
    expect(answer.error?.code).toBe(-32602);
    expect(answer.error?.message).toMatch(/^Invalid params: params\.cursor: /);
    // tools/call with arguments that are not an object: the SDK's -32602 came with the zod dump.
    const call = await server.request({
      id: 6,
      method: 'tools/call',
      params: { name: 'list_sites', arguments: null },
    });
    expect(call.error).toEqual({
      code: -32602,
      message: 'Invalid params: params.arguments: Invalid input: expected record, received null',
    });
    await closed(server);
  });

  it('serves a line of exactly the limit, refuses lines just and far over it with their id, and keeps serving', async () => {
    const server = await opened();
    await writePing(server, MAX_LINE_BYTES, 'exact', true);
    expect(await server.answer('exact')).toEqual({ jsonrpc: '2.0', id: 'exact', result: {} });
    await writePing(server, MAX_LINE_BYTES + 1, 'just-over', false);
    await writePing(server, 60 * MiB, 61, true);
    const refused = { code: -32600, message: 'request over 36 MiB' };
    expect(await server.answer('just-over')).toEqual({ jsonrpc: '2.0', id: 'just-over', error: refused });
    expect(await server.answer(61)).toEqual({ jsonrpc: '2.0', id: 61, error: refused });
    expect(await server.request({ id: 'after', method: 'ping' })).toMatchObject({ result: {} });
    expect(server.stderr()).toMatch(/refused a request over 36 MiB.*deploy_directory/);
    await closed(server);
  });

  it('exits 0 when stdin closes, also in the middle of an over-limit line', async () => {
    const idle = await opened();
    await closed(idle);
    const cut = await opened();
    await cut.write(`{"jsonrpc":"2.0","id":9,"method":"ping","params":{"pad":"`);
    await cut.write(Buffer.alloc(40 * MiB, 'x'));
    await closed(cut);
  });
});

describe('upload_files sizes', () => {
  it('stores an 8 MiB binary file sent as base64, then refuses over 25 MiB in all before any request', async () => {
    const server = await env.server();
    const site = ok<{ id: string }>(
      await server.client.callTool({ name: 'create_site', arguments: { name: 'big-upload' } }),
    );
    const binary = Buffer.alloc(8 * MiB);
    for (let i = 0; i < binary.length; i += 4096) binary[i] = i % 251;
    const stored = ok<{ files: Array<{ path: string; size: number }> }>(
      await server.client.callTool({
        name: 'upload_files',
        arguments: {
          site_id: site.id,
          files: [{ path: 'big.bin', content: binary.toString('base64'), encoding: 'base64' }],
        },
      }),
    );
    expect(stored.files).toMatchObject([{ path: 'big.bin', size: 8 * MiB }]);

    const before = env.sandbox.window.requestLog().length;
    const tabs = env.tabs();
    const half = 'a'.repeat(12.5 * MiB);
    const refused = await server.client.callTool({
      name: 'upload_files',
      arguments: {
        site_id: site.id,
        files: [
          { path: 'one.txt', content: half },
          { path: 'two.txt', content: `${half}!` },
        ],
      },
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(
      /26214401 bytes of content in all is over the 25 MiB limit for one upload_files call/,
    );
    expect(text(refused)).toMatch(/deploy_directory/);
    expect(env.sandbox.window.requestLog().length).toBe(before);
    expect(env.tabs()).toBe(tabs);
    await server.close();
  });
});

// Defects the bad-tool-input fuzzing (test/adversarial/tool-input.test.ts) found, each pinned
// by its exact case through the real McpServer in-process (only the network is a mock).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/mcp/tools/sites.js';
import { text } from '../helpers/e2e.js';
import { inProcessServer } from '../helpers/in-process-server.js';

const mcp = await inProcessServer();
afterAll(() => mcp.close());
beforeEach(() => {
  mcp.sent.length = 0;
});

const call = async (name: string, args: Record<string, unknown>) => {
  const result = await mcp.client.callTool({ name, arguments: args });
  return { isError: result.isError === true, text: text(result) };
};

describe('list_sites: a cursor with nothing left to list', () => {
  it('a cursor of one partition with the other as partition names both, not "Unexpected failure: undefined"', async () => {
    const answer = await call('list_sites', {
      partition: 'us',
      cursor: encodeCursor({ eu: { c: '', s: 0 } }),
    });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/^cursor: /);
    expect(answer.text).toMatch(/\bpartition\b/);
    expect(answer.text).toMatch(/"eu"/);
    expect(answer.text).not.toMatch(/Unexpected failure|undefined/);
    expect(mcp.sent).toEqual([]);
  });

  it('a cursor that holds no partition at all ("{}") is not one this tool returned', async () => {
    const answer = await call('list_sites', { cursor: Buffer.from('{}').toString('base64url') });
    expect(answer).toEqual({
      isError: true,
      text: 'cursor: not a cursor this tool returned; pass nextCursor exactly as given, or omit it',
    });
    expect(mcp.sent).toEqual([]);
  });

  it('the same cursor with its own partition, or none, still lists', async () => {
    const cursor = encodeCursor({ eu: { c: '', s: 0 } });
    for (const args of [{ cursor }, { cursor, partition: 'eu' }]) {
      const answer = await call('list_sites', args);
      expect(answer.isError, answer.text).toBe(false);
    }
    expect(mcp.sent.map((r) => `${r.method} ${r.path} ${r.partition}`)).toEqual([
      'GET /v1/sites eu',
      'GET /v1/sites eu',
    ]);
  });
});

describe('deploy_directory: the directory argument', () => {
  it.each([
    [
      'a NUL character',
      '/tmp/a\0b',
      /^Input validation error: .*directory: must not contain a NUL character/,
    ],
    ['a lone surrogate', '/tmp/a\ud800b', /directory: is not valid Unicode/],
    ['1 MiB of text', 'a'.repeat(1 << 20), /directory: is over the 4096 characters a folder path may have/],
  ])('with %s is refused by name before anything is sent, in a short answer', async (_what, directory, said) => {
    const answer = await call('deploy_directory', { site_id: 'site_x', directory });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(said);
    expect(answer.text.length).toBeLessThan(400);
    expect(answer.text).not.toContain('\0');
    expect(mcp.sent).toEqual([]);
  });
});

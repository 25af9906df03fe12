// The window's bulk knobs: many sites or files for a user at once, seen through the API as any
// other, and refusals that name what is wrong.
import { describe, expect, test } from 'vitest';
import { signIn } from '../helpers/oauth.js';
import { call, startTestSandbox } from '../helpers/sandbox.js';

const sb = await startTestSandbox({ rateLimit: 10_000 });

describe('POST /_sandbox/seed/sites and /seed/files', () => {
  test('sites in creation order and files with their paths, listed by the API', async () => {
    const made = await call<{ sites: Array<{ id: string; name: string }> }>(
      sb.api,
      'POST',
      '/_sandbox/seed/sites',
      {
        body: { email: 'lin@example.com', partition: 'us', prefix: 'bulk', count: 120 },
      },
    );
    expect(made.status, made.text).toBe(200);
    expect(made.json.sites.map((s) => s.name).slice(0, 2)).toEqual(['bulk-1', 'bulk-2']);
    const files = await call<{ id: string; files: number }>(sb.api, 'POST', '/_sandbox/seed/files', {
      body: { email: 'lin@example.com', partition: 'us', site: 'bulk-3', paths: ['a/b.txt', 'c.css'] },
    });
    expect(files.json).toEqual({ id: made.json.sites[2]?.id, name: 'bulk-3', files: 3 }); // + index.html

    const { accessToken: token } = await signIn(sb, { email: 'lin@example.com' });
    const names: string[] = [];
    let cursor = '';
    do {
      const page = await call<{ sites: Array<{ name: string }>; nextCursor: string | null }>(
        sb.api,
        'GET',
        `/v1/sites?partition=us&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        { token },
      );
      names.push(...page.json.sites.map((s) => s.name));
      cursor = page.json.nextCursor ?? '';
    } while (cursor);
    const bulk = names.filter((n) => n.startsWith('bulk-'));
    expect(bulk).toEqual(Array.from({ length: 120 }, (_, i) => `bulk-${i + 1}`));
    const listed = await call<{ files: Array<{ path: string; contentType: string }> }>(
      sb.api,
      'GET',
      `/v1/sites/${files.json.id}/files?partition=us`,
      { token },
    );
    expect(listed.json.files.map((f) => f.path)).toEqual(['a/b.txt', 'c.css', 'index.html']);
  });

  test.each([
    [
      'an unknown user',
      '/_sandbox/seed/sites',
      { email: 'nobody@example.com', partition: 'us', prefix: 'x', count: 1 },
      /no sandbox user nobody@example.com/,
    ],
    [
      'a name taken',
      '/_sandbox/seed/sites',
      { email: 'lin@example.com', partition: 'us', prefix: 'bulk', count: 200 },
      /the name bulk-1 is taken in partition us/,
    ],
    [
      'a bad path',
      '/_sandbox/seed/files',
      { email: 'lin@example.com', partition: 'us', site: 'x', paths: ['../up'] },
      /not a valid file path/,
    ],
    [
      'too many sites',
      '/_sandbox/seed/sites',
      { email: 'lin@example.com', partition: 'us', prefix: 'x', count: 10_001 },
      /count/,
    ],
  ])('%s is refused with 400 and why', async (_what, path, body, said) => {
    const answer = await call(sb.api, 'POST', path, { body });
    expect(answer.status).toBe(400);
    expect(answer.json.error?.message).toMatch(said);
  });
});

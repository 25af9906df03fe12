// The pure parts of confirmations and deploy plans: which clients can be asked, what an answer
// is bound to, and what a deploy changes against the live files.
import { describe, expect, it } from 'vitest';
import { firstFew, planDeploy } from '../../src/deploy/plan.js';
import { createConfirmer, digestOf, hasFormElicitation, refusalText } from '../../src/mcp/confirm.js';

describe('hasFormElicitation', () => {
  it('is form, or an empty elicitation object; not URL-only, not absent', () => {
    expect(hasFormElicitation({ elicitation: { form: {} } })).toBe(true);
    expect(hasFormElicitation({ elicitation: { form: {}, url: {} } })).toBe(true);
    expect(hasFormElicitation({ elicitation: {} })).toBe(true);
    expect(hasFormElicitation({ elicitation: { url: {} } })).toBe(false);
    expect(hasFormElicitation({})).toBe(false);
    expect(hasFormElicitation(undefined)).toBe(false);
  });
});

describe('digestOf', () => {
  it('ignores key order and absent fields, and tells values apart', () => {
    expect(digestOf({ a: 1, b: { c: [1, 2], d: undefined } })).toBe(digestOf({ b: { c: [1, 2] }, a: 1 }));
    expect(digestOf({ site_id: 'site_a' })).not.toBe(digestOf({ site_id: 'site_b' }));
    expect(digestOf({ x: [1, 2] })).not.toBe(digestOf({ x: [2, 1] }));
  });
});

describe('createConfirmer', () => {
  const base = {
    tool: 'delete_site',
    args: { site_id: 'site_a' },
    progress: async () => {},
    signal: new AbortController().signal,
    elicit: async () => ({ action: 'accept' as const, content: { confirm: true } }),
  };
  it('asks nobody under --confirm never or without form elicitation', () => {
    expect(createConfirmer({ ...base, mode: 'never', form: true })).toBeUndefined();
    expect(createConfirmer({ ...base, mode: 'auto', form: false })).toBeUndefined();
    expect(createConfirmer({ ...base, mode: 'auto', form: true })).toBeTypeOf('function');
  });

  it('2025: a client that times out refuses, naming the way out', async () => {
    const confirm = createConfirmer({
      ...base,
      mode: 'auto',
      form: true,
      elicit: () => Promise.reject(new Error('Request timed out')),
    })!;
    await expect(confirm({ message: 'Delete?', action: 'delete site blog', plan: {} })).rejects.toThrow(
      refusalText('delete site blog', 'error'),
    );
  });

  it('2026-07-28: a sealed answer about another plan is no answer: it asks again', async () => {
    const sealed: unknown[] = [];
    const confirm = createConfirmer({
      ...base,
      mode: 'auto',
      form: true,
      modern: {
        answer: { kind: 'elicit', action: 'accept', content: { confirm: true } },
        state: {
          confirm: { tool: 'delete_site', args: digestOf({ site_id: 'site_a' }), plan: digestOf({ n: 1 }) },
        },
        seal: async (state) => {
          sealed.push(state);
          return 'sealed';
        },
      },
    })!;
    await expect(confirm({ message: 'Delete?', action: 'x', plan: { n: 2 } })).rejects.toMatchObject({
      code: 'CONFIRMATION_NEEDED',
      requestState: 'sealed',
    });
    await expect(confirm({ message: 'Delete?', action: 'x', plan: { n: 1 } })).resolves.toBeUndefined();
    expect(sealed).toHaveLength(1);
  });
});

describe('planDeploy', () => {
  const f = (path: string, sha256: string, size = 10) => ({ path, sha256, size });
  it('sorts the folder against the live files; bytes count each new content once', () => {
    const plan = planDeploy(
      [f('index.html', 'new', 7), f('b.html', 'same'), f('copy.html', 'new', 7), f('moved.css', 'css', 3)],
      [f('index.html', 'old'), f('b.html', 'same'), f('gone.js', 'js'), f('old.css', 'css', 3)],
    );
    expect(plan).toEqual({
      added: ['copy.html', 'moved.css'],
      changed: ['index.html'],
      removed: ['gone.js', 'old.css'],
      unchanged: 1,
      // "new" once (7 bytes); "css" is already on the site under another path.
      filesToUpload: 1,
      bytesToUpload: 7,
    });
  });

  it('a first deploy adds everything; an empty folder removes everything', () => {
    expect(planDeploy([f('a', '1')], [])).toMatchObject({ added: ['a'], removed: [], bytesToUpload: 10 });
    expect(planDeploy([], [f('a', '1')])).toMatchObject({ added: [], removed: ['a'], filesToUpload: 0 });
  });

  it('firstFew names a few and counts the rest', () => {
    expect(firstFew(['a', 'b', 'c'], 5)).toBe('a, b, c');
    expect(firstFew(['a', 'b', 'c', 'd'], 2)).toBe('a, b, and 2 more');
  });
});

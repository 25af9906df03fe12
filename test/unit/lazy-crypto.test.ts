// node:crypto on first use (src/mcp/lazy-crypto.ts): the codec it hands out seals and opens like
// the SDK's own, reads its options only on first use, and a connection's key is made once.
import { createRequestStateCodec } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { newConnectionState } from '../../src/mcp/connection-state.js';
import { lazyRequestStateCodec, nodeCrypto } from '../../src/mcp/lazy-crypto.js';

const KEY = Buffer.alloc(32, 7);
// verify's context is unused without a bind callback.
const ctx = undefined as never;

describe('lazyRequestStateCodec', () => {
  it('reads its options on the first mint, once, and agrees with the SDK codec both ways', async () => {
    let asked = 0;
    const lazy = lazyRequestStateCodec<{ link: string }>(() => {
      asked += 1;
      return { key: KEY, ttlSeconds: 600 };
    });
    expect(asked).toBe(0);
    const sealed = await lazy.mint({ link: 'https://example.test/a' });
    const direct = createRequestStateCodec<{ link: string }>({ key: KEY, ttlSeconds: 600 });
    expect(await direct.verify(sealed, ctx)).toEqual({ link: 'https://example.test/a' });
    expect(await lazy.verify(await direct.mint({ link: 'b' }), ctx)).toEqual({ link: 'b' });
    expect(asked).toBe(1);
  });

  it('refuses a state sealed with another key, or altered', async () => {
    const lazy = lazyRequestStateCodec<{ n: number }>(() => ({ key: KEY }));
    const other = createRequestStateCodec<{ n: number }>({ key: Buffer.alloc(32, 8) });
    await expect(lazy.verify(await other.mint({ n: 1 }), ctx)).rejects.toThrow('mac');
    const sealed = await lazy.mint({ n: 1 });
    const altered = `${sealed.slice(0, 5)}${sealed[5] === 'A' ? 'B' : 'A'}${sealed.slice(6)}`;
    await expect(lazy.verify(altered, ctx)).rejects.toThrow();
  });

  it('reports a key the SDK refuses on first use, as the SDK does', async () => {
    const lazy = lazyRequestStateCodec(() => ({ key: Buffer.alloc(8) }));
    await expect(lazy.mint({})).rejects.toThrow(/at least 32 bytes/);
  });
});

describe('newConnectionState', () => {
  it('makes a 32-byte key on first read and keeps it; each connection has its own', () => {
    const one = newConnectionState();
    const key = one.requestStateKey;
    expect(key.length).toBe(32);
    expect(one.requestStateKey).toBe(key);
    expect(newConnectionState().requestStateKey.equals(key)).toBe(false);
  });
});

describe('nodeCrypto', () => {
  it('is node:crypto', async () => {
    const crypto = await import('node:crypto');
    expect(nodeCrypto().createHash).toBe(crypto.createHash);
    expect(nodeCrypto().randomUUID).toBe(crypto.randomUUID);
  });
});

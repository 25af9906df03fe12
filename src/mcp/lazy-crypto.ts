// node:crypto and the Web Crypto API, loaded on first use. Loading them took ~2–3 ms of every
// start (a fresh Node 20: import node:crypto, then globalThis.crypto), and nothing before the
// first tool call needs them: the sealing key, the requestState codecs, the digests and ids
// below all serve calls. A static `import 'node:crypto'` anywhere in the start's modules would
// load it at start again.
import { createRequire } from 'node:module';
import {
  createRequestStateCodec,
  type RequestStateCodec,
  type RequestStateCodecOptions,
} from '@modelcontextprotocol/server';

type NodeCrypto = typeof import('node:crypto');

let loaded: NodeCrypto | undefined;

/** node:crypto, required the first time it is asked for. */
export function nodeCrypto(): NodeCrypto {
  loaded ??= createRequire(import.meta.url)('node:crypto') as NodeCrypto;
  return loaded;
}

/**
 * The SDK's codec, created on the first mint or verify: creating it reads
 * globalThis.crypto.subtle, and `options` is read only then (so a lazily made key stays unmade
 * until a call seals or opens a requestState).
 */
export function lazyRequestStateCodec<T>(options: () => RequestStateCodecOptions): RequestStateCodec<T> {
  let codec: RequestStateCodec<T> | undefined;
  const get = () => {
    codec ??= createRequestStateCodec<T>(options());
    return codec;
  };
  return {
    // async: a key the SDK refuses rejects the call's promise, as the SDK's own mint would.
    mint: async (payload, ctx) => get().mint(payload, ctx),
    verify: async (state, ctx) => get().verify(state, ctx),
  };
}

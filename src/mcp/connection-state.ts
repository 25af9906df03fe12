// What one MCP connection remembers between tool calls: the key that seals requestState, and
// the sign-in links the person accepted or the client answered for them (see server.ts).
import { nodeCrypto } from './lazy-crypto.js';

/** The sign-in memory of one connection (see ServerOptions.connection). */
export interface ConnectionState {
  /** The key sealing requestState (2026-07-28 sign-in rounds). */
  requestStateKey: Buffer;
  /** Sign-in links the person accepted through URL elicitation. */
  acceptedLinks: Set<string>;
  /** Sign-in links the client answered for the person without showing them. */
  notShownLinks: Set<string>;
}

export function newConnectionState(): ConnectionState {
  // Made on first use (lazy-crypto.ts says why): only a requestState round needs it.
  let key: Buffer | undefined;
  return {
    get requestStateKey() {
      key ??= nodeCrypto().randomBytes(32);
      return key;
    },
    acceptedLinks: new Set(),
    notShownLinks: new Set(),
  };
}

/** What an inputRequired round carries to the client and back (2026-07-28). */
export interface SignInState {
  link: string;
  /** When the link was handed to the client, in ms since the epoch (see host-answer.ts). */
  shownAt: number;
}

// A keychain that answers slowly, as macOS does while a dialog waits on the person: the real vault
// and helper process, with a helper program that sleeps (a blocking sleep, as a native call
// blocks) before answering some writes. On darwin the call is given time and reported to a tool
// call in flight as progress; on linux the same wait is a dead D-Bus, cut off at 3 s for good; and
// a macOS timeout costs that call only. The helper's start has a bound of its own: a slow start
// (a busy machine) is not a dead keychain.
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod/v4';
import type { Session } from '../../src/auth/types.js';
import type { HostsmithClient } from '../../src/hostsmith/client.js';
import { createLogger } from '../../src/log.js';
import { createServer } from '../../src/mcp/server.js';
import { defineTool } from '../../src/mcp/tool.js';
import { createKeychainVault } from '../../src/store/keychain.js';
import { helperBackend } from '../../src/store/keychain-backend.js';
import { HELPER_START_MS, helperSpawnOptions } from '../../src/store/keychain-helper.js';
import { keychainPolicy } from '../../src/store/keychain-platform.js';
import { openStore } from '../../src/store/open-store.js';
import { tempDir } from '../helpers/mcp-server.js';

/** Writes to an account named `slow-set-<ms>|…` take that long; everything else answers at once. */
const SLOW_HELPER = `'use strict';
const entries = new Map();
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
process.on('message', (m) => {
  let value = null;
  if (m.op === 'setSecret') {
    const slow = /^slow-set-(\\d+)\\|/.exec(m.account);
    if (slow) sleep(Number(slow[1]));
    entries.set(m.account, m.secret);
  } else if (m.op === 'getSecret') value = entries.get(m.account) ?? null;
  else value = entries.delete(m.account);
  process.send({ id: m.id, ok: true, value });
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
`;

/** SLOW_HELPER, ready only `ms` after it starts (as on a machine too busy to start node quickly). */
const slowStart = (ms: number) =>
  SLOW_HELPER.replace('process.send({ ready: true });', `sleep(${ms});\nprocess.send({ ready: true });`);

const PAIR = { access_token: 'slow-access-1', refresh_token: 'slow-refresh-1' };

function slowVault(
  platform: NodeJS.Platform,
  opts: { timeoutMs?: number; onWait?: (m: string) => void; source?: string; startTimeoutMs?: number } = {},
) {
  const timeoutMs = opts.timeoutMs ?? keychainPolicy(platform).timeoutMs;
  const backend = helperBackend({
    timeoutMs,
    source: opts.source ?? SLOW_HELPER,
    ...(opts.startTimeoutMs ? { startTimeoutMs: opts.startTimeoutMs } : {}),
  });
  const vault = createKeychainVault({
    platform,
    backend,
    timeoutMs,
    ...(opts.onWait ? { onWait: opts.onWait } : {}),
  });
  return { vault, stop: () => backend.reset() };
}

describe('a keychain call that waits on the person', () => {
  it('darwin: a write answered after 3.5 s succeeds, and the wait is reported meanwhile', async () => {
    const waits: string[] = [];
    const { vault, stop } = slowVault('darwin', { onWait: (m) => waits.push(m) });
    try {
      await vault.set('slow-set-3500|a', PAIR);
      expect(await vault.get('slow-set-3500|a')).toEqual(PAIR);
      expect(waits.length).toBeGreaterThanOrEqual(1);
      expect(waits[0]).toMatch(/^Waiting for the macOS keychain \(\d+ s\): if a dialog asks/);
    } finally {
      stop();
    }
  });

  it('linux: the same wait is over the 3 s bound; the keychain is then not called again', async () => {
    const waits: string[] = [];
    const { vault, stop } = slowVault('linux', { onWait: (m) => waits.push(m) });
    try {
      // 6 s: well over the bound, so that a late answer cannot win even on a stalled machine.
      await expect(vault.set('slow-set-6000|a', PAIR)).rejects.toMatchObject({
        code: 'KEYCHAIN_UNAVAILABLE',
        message: expect.stringMatching(/did not answer within 3 s/),
      });
      await expect(vault.get('fast|a')).rejects.toThrow(/not using it again in this process/);
      expect(waits).toEqual([]);
    } finally {
      stop();
    }
  });

  it('darwin: a timeout costs that call only; the next call is answered', async () => {
    // The next call starts a fresh helper process; its start (over 1 s on a loaded CI machine)
    // has its own bound, and the 3 s are for the call alone.
    const { vault, stop } = slowVault('darwin', { timeoutMs: 3000 });
    try {
      await expect(vault.set('slow-set-8000|b', PAIR)).rejects.toMatchObject({
        code: 'KEYCHAIN_UNAVAILABLE',
        message: expect.stringMatching(/the macOS keychain did not answer within 3 s.*try again/),
      });
      await vault.set('fast|b', PAIR);
      expect(await vault.get('fast|b')).toEqual(PAIR);
    } finally {
      stop();
    }
  });
});

describe("the helper's start, bounded apart from the calls", () => {
  it('linux: a start slower than the 3 s call bound is waited for, and the calls are answered', async () => {
    const { vault, stop } = slowVault('linux', { source: slowStart(3500) });
    try {
      await vault.set('fast|s', PAIR);
      expect(await vault.get('fast|s')).toEqual(PAIR);
    } finally {
      stop();
    }
  });

  it('a helper that has started is not cut off later by the start bound', async () => {
    // Fake timers in this process only: the helper answers over real IPC meanwhile.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const backend = helperBackend({ timeoutMs: 3000, source: SLOW_HELPER });
    const secret = new Uint8Array(Buffer.from('kept'));
    try {
      await backend.setSecret('s', 'fast|k', secret);
      vi.advanceTimersByTime(HELPER_START_MS + 1000);
      // The same helper answers: a new one would not hold the entry (SLOW_HELPER keeps them in memory).
      expect(await backend.getSecret('s', 'fast|k')).toEqual(secret);
    } finally {
      backend.reset();
      vi.useRealTimers();
    }
  });

  it('linux: a start that overruns its own bound fails the call, and the keychain is written off', async () => {
    const { vault, stop } = slowVault('linux', { source: slowStart(60_000), startTimeoutMs: 1000 });
    try {
      await expect(vault.get('fast|t')).rejects.toMatchObject({
        code: 'KEYCHAIN_UNAVAILABLE',
        message: expect.stringMatching(/helper did not start within 1 s .*not using it again/),
      });
      await expect(vault.get('fast|t')).rejects.toThrow(/not using it again in this process/);
    } finally {
      stop();
    }
  });
});

describe('progress while a tool call waits on the macOS keychain', () => {
  it('the store says it is waiting, and the MCP client gets it as progress notifications', async () => {
    const listeners = new Set<(message: string) => void>();
    const { vault, stop } = slowVault('darwin', {
      onWait: (message) => {
        for (const listener of listeners) listener(message);
      },
    });
    const log = createLogger({ write: () => {} });
    // The client folder names the keychain account, so this one's writes wait 3.5 s.
    const store = await openStore({
      root: tempDir(),
      client: 'slow-set-3500',
      storage: 'keychain',
      log,
      vault,
    });
    const save = defineTool({
      name: 'save',
      title: 'Save',
      description: 'Stores a credential (test tool).',
      inputSchema: z.object({}),
      outputSchema: z.object({ saved: z.boolean() }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
      async handler() {
        const now = Math.floor(Date.now() / 1000);
        await store.write('http://127.0.0.1:9/slow-api', {
          issuer: 'http://127.0.0.1:9',
          client_id: 'c',
          client_registered_dynamically: false,
          scope: '',
          expires_at: now + 3600,
          authorized_at: now,
          storage: 'keychain',
          ...PAIR,
        });
        return { structured: { saved: true }, text: 'saved' };
      },
    });
    const server = createServer({
      version: '0.0.0',
      // The tool never reaches the API or the sign-in: neither is needed here.
      workspaceFor: async () => ({
        session: {} as Session,
        api: {} as HostsmithClient,
        clientFolder: 'slow',
      }),
      signInWaitMs: 1000,
      openBrowser: async () => {
        throw new Error('no browser in this test');
      },
      loginCommand: (clientFolder) => ({
        command: `npx hostsmith-mcp login --client ${clientFolder}`,
        shell: 'a terminal',
      }),
      log,
      tools: [save],
      subscribeStoreWaits: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'slow-keychain-test', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      const updates: string[] = [];
      const result = await client.callTool(
        { name: 'save', arguments: {} },
        { onprogress: (p) => updates.push(p.message ?? '') },
      );
      expect(result.isError).toBeFalsy();
      expect(updates.length).toBeGreaterThanOrEqual(1);
      expect(updates[0]).toMatch(/^Waiting for the macOS keychain/);
      expect(listeners.size).toBe(0); // the call unsubscribed when it ended
    } finally {
      await client.close();
      await server.close();
      stop();
    }
  });
});

describe('the helper process', () => {
  it('starts hidden on Windows, as plain Node under Electron, without our NODE_OPTIONS', () => {
    const options = helperSpawnOptions({
      PATH: '/bin',
      NODE_OPTIONS: '--import tsx',
      DBUS_SESSION_BUS_ADDRESS: 'x',
    });
    expect(options).toMatchObject({ windowsHide: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    expect(options.env).toEqual({ PATH: '/bin', DBUS_SESSION_BUS_ADDRESS: 'x', ELECTRON_RUN_AS_NODE: '1' });
  });

  it('is started that way: it sees ELECTRON_RUN_AS_NODE=1', async () => {
    // A helper that answers every read with the variable's value.
    const source = `'use strict';
process.on('message', (m) => process.send({ id: m.id, ok: true, value: Buffer.from(String(process.env.ELECTRON_RUN_AS_NODE)).toString('base64') }));
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });`;
    const backend = helperBackend({ timeoutMs: 5000, source });
    try {
      const seen = await backend.getSecret('s', 'a');
      expect(Buffer.from(seen ?? []).toString()).toBe('1');
    } finally {
      backend.reset();
    }
  });
});

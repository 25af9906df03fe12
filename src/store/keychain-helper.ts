// The OS keychain, called from a small helper process rather than from this one. The native calls
// block: @napi-rs/keyring connects to D-Bus synchronously in the Entry constructor (even for
// AsyncEntry), so a hung Secret Service or bus would freeze the MCP server's event loop, out of
// reach of any timer — measured at 60 s with the session bus stopped. A worker thread would not
// freeze the loop, but Node joins workers on exit, so a hung one keeps the process from ever
// exiting. A child process can simply be killed. It is started on first use, serves every call of
// this process, and never keeps the process alive by itself.
// It speaks bytes (getSecret/setSecret): see KeychainBackend in keychain-backend.ts.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/** Secrets travel as base64 over the IPC channel: they are bytes (UTF-8 JSON we wrote, or older
 * UTF-16LE text on Windows), not text. */
export type KeychainOp =
  | { op: 'getSecret'; service: string; account: string }
  | { op: 'setSecret'; service: string; account: string; secret: string }
  | { op: 'delete'; service: string; account: string };

type Reply =
  | { id: number; ok: true; value: string | boolean | null }
  | { id: number; ok: false; message: string };

/** The helper: CommonJS run with `node -e`, the keyring module's path as its one argument. */
export const HELPER_SOURCE = `'use strict';
const { Entry } = require(process.argv[1]);
// Pinned to the Secret Service on Linux: the kernel keyring fallback forgets everything on reboot.
const options = { linux: { store: 'secret-service' } };
process.on('message', (m) => {
  let reply;
  try {
    const entry = new Entry(m.service, m.account, options);
    if (m.op === 'getSecret') {
      const bytes = entry.getSecret();
      reply = { id: m.id, ok: true, value: bytes ? Buffer.from(bytes).toString('base64') : null };
    } else if (m.op === 'setSecret') {
      // Bytes, not setPassword: Windows stores a password as UTF-16, twice the size, against a
      // 2,560-byte limit per entry.
      entry.setSecret(Buffer.from(m.secret, 'base64'));
      reply = { id: m.id, ok: true, value: null };
    } else reply = { id: m.id, ok: true, value: entry.deletePassword() };
  } catch (error) {
    reply = { id: m.id, ok: false, message: String((error && error.message) || error) };
  }
  process.send(reply);
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
`;

/** How the helper is started, from this process's environment. */
export function helperSpawnOptions(parentEnv: NodeJS.ProcessEnv): SpawnOptions {
  // The helper needs only the D-Bus/keychain environment; loaders from NODE_OPTIONS (tsx in
  // tests) would only slow its start.
  const { NODE_OPTIONS: _, ...inherited } = parentEnv;
  return {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    // Under an Electron-embedded Node (Claude Desktop), execPath is the app itself: this makes it
    // run as plain Node instead of starting another copy of the app.
    env: { ...inherited, ELECTRON_RUN_AS_NODE: '1' },
    // No console window flashing up on Windows at each start.
    windowsHide: true,
  };
}

export class KeychainCallError extends Error {
  constructor(
    /**
     * 'timeout': no answer in time; 'start': the helper did not start in time; 'failed': the
     * keychain answered with an error; 'helper': the helper died.
     */
    readonly kind: 'timeout' | 'start' | 'failed' | 'helper',
    message: string,
  ) {
    super(message);
    this.name = 'KeychainCallError';
  }
}

interface Pending {
  resolve(value: string | boolean | null): void;
  reject(error: KeychainCallError): void;
  timer: NodeJS.Timeout;
}

/**
 * The bound on the helper's start: spawning node and loading the keyring module, which does not
 * touch the keychain yet. Apart from the calls' bound, so that a busy machine (a cold start took
 * over 1 s under load) is not taken for a hung keychain.
 */
export const HELPER_START_MS = 15_000;

export interface KeychainHelperOptions {
  /** Each call's bound, once the helper has started. */
  timeoutMs: number;
  /** The helper's start's bound; HELPER_START_MS by default. */
  startTimeoutMs?: number;
  /** The helper program (tests hand in one that answers slowly); HELPER_SOURCE by default. */
  source?: string;
}

export class KeychainHelper {
  private readonly timeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly source: string;
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(opts: KeychainHelperOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.startTimeoutMs = opts.startTimeoutMs ?? HELPER_START_MS;
    this.source = opts.source ?? HELPER_SOURCE;
  }

  /** One keychain operation, answered or failed within timeoutMs of the helper being ready. */
  async call(request: KeychainOp): Promise<string | boolean | null> {
    await this.start();
    const child = this.child;
    if (!child?.connected) throw new KeychainCallError('helper', 'the keychain helper is not running');
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new KeychainCallError('timeout', `no answer within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      child.send({ id, ...request }, (error) => {
        if (error) this.settle({ id, ok: false, message: error.message }, 'helper');
      });
    });
  }

  /** Kill the helper (a hung native call cannot be cancelled any other way). */
  stop(): void {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    process.off('exit', this.killOnExit);
    child?.kill('SIGKILL');
    this.failAll('the keychain helper was stopped');
  }

  private start(): Promise<void> {
    this.ready ??= new Promise<void>((resolve, reject) => {
      const modulePath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
      const child = spawn(process.execPath, ['-e', this.source, modulePath], helperSpawnOptions(process.env));
      this.child = child;
      const early = (message: string) => reject(new KeychainCallError('helper', message));
      // Calls waiting on the start fail together; the next call starts another helper.
      const startTimer = setTimeout(() => {
        reject(
          new KeychainCallError(
            'start',
            `the keychain helper did not start within ${this.startTimeoutMs / 1000} s`,
          ),
        );
        if (this.child === child) this.stop();
      }, this.startTimeoutMs);
      child.once('error', (error) => {
        clearTimeout(startTimer);
        early(`cannot start the keychain helper: ${error.message}`);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(startTimer);
        early(
          `the keychain helper exited (${signal ?? `code ${code}`}); the keychain module may not load here`,
        );
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        this.failAll('the keychain helper exited');
      });
      child.on('message', (message: Reply | { ready: true }) => {
        if ('ready' in message) {
          clearTimeout(startTimer);
          resolve();
        } else this.settle(message, 'failed');
      });
      // Neither the helper nor its channel keeps this process alive; a call in flight does (its timer).
      child.unref();
      child.channel?.unref();
      process.on('exit', this.killOnExit);
    });
    return this.ready;
  }

  private settle(reply: Reply, kind: 'failed' | 'helper'): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return; // already timed out
    this.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new KeychainCallError(kind, reply.message));
  }

  private failAll(message: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(new KeychainCallError('helper', message));
    }
  }
}

// Another process owns the sign-in: watch the store for its credential instead of opening a
// second tab, and give up when its marker goes, its time runs out or its owner stops answering.
import { addSecret } from '../log.js';
import type { LoadedCredential, PendingSignIn } from '../store/types.js';
import { pidAlive } from './owner-liveness.js';
import { errorMessage, type SignInParts } from './session-parts.js';
import { type Account, AuthError, type SignIn } from './types.js';

/** Probes a watched owner may miss in a row (a busy machine) before it counts as gone. */
export const OWNER_MISSES = 2;

export interface JoinOptions {
  /** How often to look at the store. */
  pollMs: number;
  /** Whether the marker's owner still answers (and its time has not run out). */
  isLive(pending: PendingSignIn): Promise<boolean>;
}

export function joinSignIn(parts: SignInParts, pending: PendingSignIn, opts: JoinOptions): SignIn {
  const { store, resource, log } = parts;
  let stopped = false;
  let misses = 0;
  let timer: NodeJS.Timeout | undefined;
  let rejectDone!: (error: unknown) => void;
  const ours = (cred: LoadedCredential | undefined): cred is LoadedCredential =>
    cred !== undefined && cred.authorized_at >= pending.started_at && Boolean(cred.access_token);

  const done = new Promise<Account>((resolve, reject) => {
    rejectDone = reject;
    const finish = async (cred: LoadedCredential) => {
      addSecret(cred.access_token);
      addSecret(cred.refresh_token);
      parts.adopt(cred);
      if (cred.account) return resolve(cred.account);
      try {
        resolve(await parts.describeAccount(cred.access_token));
      } catch (error) {
        reject(
          new AuthError(
            'SIGN_IN_FAILED',
            `Signed in, but reading the Hostsmith account failed: ${errorMessage(error)}`,
            {
              cause: error,
            },
          ),
        );
      }
    };
    const tick = async () => {
      if (stopped) return;
      try {
        const cred = await store.read(resource);
        if (ours(cred)) return await finish(cred);
        const marker = await store.readPendingSignIn(resource);
        if (!marker || marker.url !== pending.url) {
          // The owner writes its credential before clearing the marker: one last look.
          const last = await store.read(resource);
          if (ours(last)) return await finish(last);
          return reject(
            new AuthError(
              'SIGN_IN_FAILED',
              'The sign-in opened by another Hostsmith MCP process ended without signing in (declined, expired or cancelled). Try again to start a new one.',
            ),
          );
        }
        if (marker.expires_at <= parts.now() / 1000) {
          return reject(
            new AuthError(
              'SIGN_IN_TIMEOUT',
              'Nobody finished the sign-in in time; try again to start a new one.',
            ),
          );
        }
        // A missed probe may be a busy machine; a vanished PID is certain.
        misses = (await opts.isLive(marker)) ? 0 : misses + 1;
        if (misses >= OWNER_MISSES || (misses > 0 && !pidAlive(marker.pid))) {
          return reject(
            new AuthError(
              'SIGN_IN_FAILED',
              'The process that opened the sign-in has exited or stopped answering; try again to start a new one.',
            ),
          );
        }
      } catch (error) {
        // A store read can race a write; the next tick looks again.
        log.debug(`watching the sign-in: ${errorMessage(error)}`);
      }
      if (!stopped) timer = setTimeout(() => void tick(), opts.pollMs);
    };
    void tick();
  }).finally(() => {
    stopped = true;
    clearTimeout(timer);
  });
  done.catch(() => {});
  log.info(`Waiting for the sign-in already open in another process: ${pending.url}`);
  return {
    url: pending.url,
    joined: true,
    done,
    cancel: (reason) => {
      stopped = true;
      clearTimeout(timer);
      rejectDone(new AuthError('SIGN_IN_CANCELLED', reason ?? 'Stopped waiting for the sign-in.'));
    },
  };
}

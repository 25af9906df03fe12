// Sign-ins, started or joined: one per process (a second beginSignIn() gets the first), one per
// store across processes (a marker written under the lock; whoever finds a live one joins it).
// Starting one means discovery/registration, PKCE, our loopback callback server, the marker, and
// a browser launched on the link; completing it is sign-in-complete.ts, joining sign-in-join.ts.
import { randomBytes } from 'node:crypto';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier, randomState } from 'openid-client';
import { addSecret } from '../log.js';
import type { PendingSignIn } from '../store/types.js';
import type { BrowserResult } from './browser.js';
import { startCallbackServer } from './callback-server.js';
import type { CriticalSections } from './critical.js';
import { createOwnerSecret, ownerAnswers } from './owner-liveness.js';
import { errorMessage, type SignInParts } from './session-parts.js';
import { completeSignIn } from './sign-in-complete.js';
import { joinSignIn, OWNER_MISSES } from './sign-in-join.js';
import { type Account, AuthError, type BeginSignInOptions, type SignIn } from './types.js';

/** Sign-ins owned by this process, by link: a marker with our pid and another link is stale. */
const ownedHere = new Set<string>();

export interface SignInSettings {
  /** Launch a browser on the sign-in link; the link is printed regardless. */
  openBrowser(url: string): Promise<BrowserResult | undefined> | BrowserResult | undefined;
  /** How long a sign-in waits for the person. */
  timeoutMs: number;
  /** How often a joined sign-in looks at the store. */
  pollMs: number;
  /** Show our short /start/{id} link rather than the authorization URL. */
  startLink: boolean;
  /** Where a callback being completed (code exchanged, credential not yet saved) registers. */
  critical: CriticalSections;
}

export class SignInCoordinator {
  private signIn: SignIn | undefined;
  private starting: Promise<SignIn> | undefined;

  constructor(
    private readonly parts: SignInParts,
    private readonly settings: SignInSettings,
  ) {}

  /** The sign-in this process started or joined, while it runs. */
  get running(): SignIn | undefined {
    return this.signIn;
  }

  begin(options: BeginSignInOptions = {}): Promise<SignIn> {
    if (this.signIn) return Promise.resolve(this.signIn);
    this.starting ??= this.startOrJoin(options)
      .then((started) => {
        const forget = () => {
          if (this.signIn === signIn) this.signIn = undefined;
        };
        // A cancelled sign-in is over at once: the next beginSignIn() must not be handed it while
        // its `done` is still settling (clearing its marker in the store).
        const signIn: SignIn = {
          ...started,
          cancel: (reason) => {
            forget();
            started.cancel(reason);
          },
        };
        this.signIn = signIn;
        signIn.done.then(forget, forget);
        return signIn;
      })
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  /**
   * A marker is live while its time has not run out and its owner answers the liveness probe,
   * within `tries` probes: a missed one may be a busy machine, a vanished PID is certain.
   */
  private async isLive(pending: PendingSignIn, tries = 1): Promise<boolean> {
    if (pending.expires_at <= this.parts.now() / 1000) return false;
    if (pending.pid === process.pid) return ownedHere.has(pending.url);
    for (let i = 0; i < tries; i++) if (await ownerAnswers(pending)) return true;
    return false;
  }

  /** At join time a marker is judged once: it gets the watcher's tolerance of missed probes. */
  private isLiveToJoin(pending: PendingSignIn): Promise<boolean> {
    return this.isLive(pending, OWNER_MISSES);
  }

  private join(pending: PendingSignIn): SignIn {
    return joinSignIn(this.parts, pending, {
      pollMs: this.settings.pollMs,
      isLive: (marker) => this.isLive(marker),
    });
  }

  private async startOrJoin(options: BeginSignInOptions): Promise<SignIn> {
    const { store, resource, log } = this.parts;
    const pending = await store.readPendingSignIn(resource);
    if (pending && (await this.isLiveToJoin(pending))) return this.join(pending);
    // Found dead just now: not probed again under the lock (a stalled listener costs 500 ms a probe).
    const dead = pending?.url;

    // Discovery, registration and the loopback server happen outside the lock; the check and
    // the marker inside it, so that of two processes starting together one owns and one joins.
    const owned = await this.prepare();
    let other: PendingSignIn | undefined;
    try {
      await store.withLock(async () => {
        const again = await store.readPendingSignIn(resource);
        if (again && again.url !== dead && (await this.isLiveToJoin(again))) {
          other = again;
          return;
        }
        await store.writePendingSignIn(resource, owned.marker);
        ownedHere.add(owned.marker.url);
      });
    } catch (error) {
      owned.signIn.cancel('could not record the sign-in');
      throw error;
    }
    if (other) {
      owned.signIn.cancel('another process is already signing in');
      return this.join(other);
    }

    log.info(`Sign in to Hostsmith: open ${owned.signIn.url}`);
    if (options.openBrowser !== false) {
      try {
        const launched = await this.settings.openBrowser(owned.signIn.url);
        if (launched && !launched.launched) {
          log.info(
            `Not opening a browser: ${launched.reason ?? 'unknown reason'}. Open the link above yourself.`,
          );
        }
      } catch (error) {
        log.info(`Could not open a browser (${errorMessage(error)}). Open the link above yourself.`);
      }
    }
    return owned.signIn;
  }

  private async prepare(): Promise<{ signIn: SignIn; marker: PendingSignIn }> {
    const { store, resource, log, oauth } = this.parts;
    const client = await oauth.prepareSignIn();
    const state = randomState();
    const verifier = randomPKCECodeVerifier();
    const challenge = await calculatePKCECodeChallenge(verifier);
    addSecret(state);
    addSecret(verifier);
    addSecret(challenge);

    const startedAt = Math.floor(this.parts.now() / 1000);
    const owner = createOwnerSecret();
    const server = await startCallbackServer<Account>({
      state,
      timeoutMs: this.settings.timeoutMs,
      log,
      alive: owner.answer,
      // From the code exchange to the saved credential: shutdown waits rather than lose the grant.
      complete: (callbackUrl) =>
        this.settings.critical.run(() =>
          completeSignIn(this.parts, callbackUrl, { client, state, verifier }),
        ),
    });
    const authorizationUrl = client.authorizationUrl({
      redirectUri: server.redirectUri,
      state,
      codeChallenge: challenge,
    });
    const url = this.settings.startLink
      ? server.startLink(randomBytes(16).toString('base64url'), authorizationUrl)
      : authorizationUrl;
    const marker: PendingSignIn = {
      url,
      pid: process.pid,
      started_at: startedAt,
      expires_at: startedAt + Math.ceil(this.settings.timeoutMs / 1000),
      owner: owner.probe(server.origin),
    };
    const done = server.result.finally(async () => {
      if (!ownedHere.delete(url)) return; // never recorded: nothing to clear
      await store
        .clearPendingSignIn(resource, process.pid)
        .catch((error) => log.debug(`could not clear the sign-in marker: ${errorMessage(error)}`));
    });
    done.catch(() => {}); // the caller may stop listening; that must not crash the process
    return {
      marker,
      signIn: {
        url,
        joined: false,
        done,
        cancel: (reason) =>
          server.close(new AuthError('SIGN_IN_CANCELLED', reason ?? 'The sign-in was cancelled.')),
        paste: (callbackUrl) => server.paste(callbackUrl),
      },
    };
  }
}

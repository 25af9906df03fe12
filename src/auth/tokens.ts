// The access token this process uses: read from the store, refreshed when near expiry, and
// renewed once after a 401. Refresh is single-flight in this process (one shared promise); the
// cross-process half (lock, re-read, rotate, write) is refresh.ts.
import { addSecret } from '../log.js';
import type { LoadedCredential } from '../store/types.js';
import { refreshUnderLock } from './refresh.js';
import type { SessionParts } from './session-parts.js';
import { SignInRequired } from './types.js';

export class TokenKeeper {
  /** The credential this process last read or wrote. */
  private current: LoadedCredential | undefined;
  private refreshing: Promise<LoadedCredential> | undefined;
  /** The access token of the grant a step-up sign-in is replacing (its registration forgotten once). */
  private steppingUpFrom: string | undefined;
  /**
   * Access tokens that came out of a refresh forced by a 401, with their expiry: a 401 for one
   * of them while it still has life ends the grant.
   */
  private readonly forced = new Map<string, number>();
  /** Remaining lifetime at first sight, for credentials stored without issued_at. */
  private readonly lifetimes = new Map<string, number>();

  constructor(private readonly parts: SessionParts) {}

  private nowSeconds(): number {
    return this.parts.now() / 1000;
  }

  /** A sign-in produced `cred`: use it, and forget which tokens came from forced refreshes. */
  adopt(cred: LoadedCredential): void {
    this.current = cred;
    this.forced.clear();
  }

  /**
   * The API refused the token in use for want of `scope`: whatever the stored record says, this
   * grant lacks it (the next accessToken() then asks for a step-up sign-in).
   */
  async lacks(scope: string): Promise<void> {
    if (!this.current) return;
    const kept = this.current.scope.split(' ').filter((s) => s !== scope);
    this.current = { ...this.current, scope: kept.join(' ') };
    await this.stepUpFrom(this.current, [scope]);
  }

  /** Once per grant being replaced: say so, and make the next sign-in register a new client. */
  private async stepUpFrom(cred: LoadedCredential, lacking: string[]): Promise<void> {
    if (this.steppingUpFrom === cred.access_token) return;
    this.steppingUpFrom = cred.access_token;
    this.parts.log.info(`The Hostsmith sign-in lacks ${lacking.join(' ')}; asking for a wider one.`);
    // A new registration, so that the wider grant is surely not the narrow one widened (an
    // authorization server may fold a sign-in from the same browser session into the client's
    // existing grant): only then can the narrow one be revoked without harm (sign-in-complete.ts).
    if (cred.client_registered_dynamically) await this.parts.oauth.forgetClient(cred.issuer);
  }

  /** Signed out: nothing is held any more. */
  reset(): void {
    this.current = undefined;
    this.forced.clear();
  }

  /** Less than min(60 s, a third of the token's lifetime) left, or gone. */
  private needsRefresh(cred: LoadedCredential): boolean {
    const left = cred.expires_at - this.nowSeconds();
    if (left <= 0) return true;
    let lifetime: number;
    if (cred.issued_at !== undefined) {
      lifetime = cred.expires_at - cred.issued_at;
    } else {
      // No issue time stored: the time left when first seen is a lower bound of the lifetime.
      lifetime = this.lifetimes.get(cred.access_token) ?? left;
      this.lifetimes.set(cred.access_token, lifetime);
    }
    return left < Math.min(60, lifetime / 3);
  }

  private async load(): Promise<LoadedCredential | undefined> {
    this.current = await this.parts.store.read(this.parts.resource);
    if (this.current) {
      addSecret(this.current.access_token);
      addSecret(this.current.refresh_token);
    }
    return this.current;
  }

  async accessToken(): Promise<string> {
    const cred = this.current ?? (await this.load());
    if (!cred) throw new SignInRequired('no_credentials');
    const lacking = this.parts.needs?.missing(cred.scope) ?? [];
    if (lacking.length > 0) {
      // Step-up consent: a new sign-in asks for the union (see scopes.ts); the grant stays until then.
      await this.stepUpFrom(cred, lacking);
      throw new SignInRequired('insufficient_scope');
    }
    if (!this.needsRefresh(cred)) return cred.access_token;
    return (await this.refresh(cred)).access_token;
  }

  async afterUnauthorized(rejected: string): Promise<string> {
    // Someone already has a newer token: this process, a refresh in flight, or another process.
    const fresh = (cred: LoadedCredential | undefined) =>
      cred !== undefined && cred.access_token !== rejected && !this.needsRefresh(cred);
    if (fresh(this.current)) return (this.current as LoadedCredential).access_token;
    if (this.refreshing) {
      const joined = await this.refreshing;
      if (fresh(joined)) return joined.access_token;
    }
    const stored = await this.load();
    if (!stored) throw new SignInRequired('unauthorized');
    if (fresh(stored)) return stored.access_token;
    const renewedUntil = this.forced.get(rejected);
    // Once it has expired, a 401 says only that (a slow call outlived it): refresh again. Our
    // expiry never runs past the server's (refresh.ts counts from before the token request).
    if (renewedUntil !== undefined && this.nowSeconds() < renewedUntil) {
      // The token a forced refresh just produced was refused as well: refreshing cannot help.
      await this.forget((cred) => cred.access_token === rejected);
      this.parts.log.info(
        'Hostsmith refused the renewed sign-in as well; you will be asked to sign in again.',
      );
      throw new SignInRequired('unauthorized');
    }
    const next = await this.refresh(stored, rejected);
    for (const [token, until] of this.forced) if (until <= this.nowSeconds()) this.forced.delete(token);
    this.forced.set(next.access_token, next.expires_at);
    return next.access_token;
  }

  /** One refresh at a time in this process; concurrent callers share it. */
  private refresh(seen: LoadedCredential, rejected?: string): Promise<LoadedCredential> {
    this.refreshing ??= refreshUnderLock(this.parts, {
      seen,
      rejected,
      needsRefresh: (cred) => this.needsRefresh(cred),
      setCurrent: (cred) => {
        this.current = cred;
      },
    }).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Remove the stored credential if it is still the one `matches` describes. */
  private async forget(matches: (cred: LoadedCredential) => boolean): Promise<void> {
    const { store, resource } = this.parts;
    await store.withLock(async () => {
      const stored = await store.read(resource);
      if (stored && matches(stored)) await store.remove(resource);
    });
    if (this.current && matches(this.current)) this.current = undefined;
  }
}

// The CredentialStore: oauth.json for everything, and the token pair either inline (storage
// "file") or in the OS keychain (storage "keychain"). Credentials stored the other way are moved
// on the next read — token first to its new home, then the old copy removed — so switching
// storage never asks for a new sign-in and never loses a token.
import type { Logger } from '../log.js';
import { StoreFileIO } from './file-store.js';
import {
  createKeychainVault,
  KEYCHAIN_SERVICE,
  KeychainTooLarge,
  KeychainUnavailable,
  type TokenVault,
} from './keychain.js';
import { keychainPolicy, keychainReachFix } from './keychain-platform.js';
import { probeKeychain, probeProcessKeychain } from './keychain-probe.js';
import { type CredentialSlot, credentialAccount, credentialDir, DEFAULT_PROFILE } from './profile.js';
import { fileProtection } from './protection.js';
import type {
  Credential,
  CredentialStore,
  LoadedCredential,
  PendingSignIn,
  Registration,
  StorageKind,
  StoreFile,
} from './types.js';

export type StorageChoice = 'auto' | StorageKind;

export interface OpenStoreOptions {
  root: string;
  client: string;
  /** The profile within the client folder (default: "default", the folder there was before profiles). */
  profile?: string;
  /** The read-only server's credential, kept apart from the profile's full one (folder and keychain entry). */
  readOnly?: boolean;
  storage: StorageChoice;
  log: Logger;
  /** The keychain (the OS's, by default); tests may hand in another. */
  vault?: TokenVault;
  /** The platform whose keychain rules apply (process.platform). */
  platform?: NodeJS.Platform;
  /** The environment, for saying how to reach the keychain (process.env). */
  env?: NodeJS.ProcessEnv;
  /** Told while a keychain call waits on the person (a macOS dialog), for progress notices. */
  onKeychainWait?: (message: string) => void;
}

export async function openStore(opts: OpenStoreOptions): Promise<CredentialStore> {
  const slot = { profile: opts.profile ?? DEFAULT_PROFILE, readOnly: opts.readOnly === true };
  const io = new StoreFileIO(credentialDir(opts.root, opts.client, slot), opts.log);
  const platform = opts.platform ?? process.platform;
  const fix = keychainReachFix(platform, opts.env ?? process.env);
  const vault =
    opts.vault ??
    createKeychainVault({ platform, ...(opts.onKeychainWait ? { onWait: opts.onKeychainWait } : {}) });
  let storage: StorageKind;
  if (opts.storage === 'file') {
    storage = 'file';
  } else {
    const probe = opts.vault ? await probeKeychain(vault) : await probeProcessKeychain(vault, platform);
    if (probe.ok) {
      storage = 'keychain';
    } else if (opts.storage === 'keychain') {
      throw new KeychainUnavailable(`--storage keychain: no usable OS keychain (${probe.reason}). ${fix}`);
    } else {
      storage = 'file';
      opts.log.info(
        `No usable OS keychain (${probe.reason}); keeping credentials in ${io.file} (${fileProtection()}).`,
      );
    }
  }
  const where = { name: keychainPolicy(platform).name, fix };
  return new Store(io, vault, storage, opts.storage === 'auto', opts.client, slot, opts.log, where);
}

class Store implements CredentialStore {
  readonly dir: string;
  readonly file: string;
  /** Set once the keychain stopped answering under `auto`: from then on, tokens go to the file. */
  private degraded = false;
  private toldUnreadable = false;

  constructor(
    private readonly io: StoreFileIO,
    private readonly vault: TokenVault,
    private readonly chosen: StorageKind,
    private readonly auto: boolean,
    private readonly client: string,
    private readonly slot: CredentialSlot,
    private readonly log: Logger,
    /** The keychain's name here, and what makes it reachable. */
    private readonly keychain: { name: string; fix: string },
  ) {
    this.dir = io.dir;
    this.file = io.file;
  }

  get storage(): StorageKind {
    return this.degraded ? 'file' : this.chosen;
  }

  private account(resource: string): string {
    return credentialAccount(this.client, this.slot, resource);
  }

  async read(resource: string): Promise<LoadedCredential | undefined> {
    const cred = (await this.io.read()).credentials[resource];
    if (!cred) return undefined;
    if (this.inPlace(cred)) {
      const { loaded, reachable } = await this.loadTokens(resource, cred);
      // A keychain entry that is missing may be one another process is moving to the file right
      // now (file written, entry deleted): look again under the lock before calling it signed out.
      if (loaded || cred.storage === 'file' || !reachable) return loaded;
    }
    // Stored the other way: move it, under the lock and from a fresh read, so that a pair another
    // process rotated meanwhile is the one moved (never an older one over it).
    return this.io.withLock(async () => {
      const content = await this.io.read();
      const again = content.credentials[resource];
      if (!again) return undefined;
      const { loaded } = await this.loadTokens(resource, again);
      if (!loaded || this.inPlace(again)) return loaded;
      await this.put(content, resource, loaded);
      // Say where it is now (status names it), not where it was read from.
      const { access_token, refresh_token } = loaded;
      return { ...content.credentials[resource]!, access_token, refresh_token };
    });
  }

  /** Stored where this store keeps it: nothing to move. */
  private inPlace(cred: Credential): boolean {
    // A pair the keychain refused for its size stays in the file; offering it again would fail again.
    return (
      cred.storage === this.storage || (this.auto && cred.storage === 'file' && !!cred.too_large_for_keychain)
    );
  }

  /** The credential with its tokens; `reachable` false when they are in an unavailable keychain. */
  private async loadTokens(
    resource: string,
    cred: Credential,
  ): Promise<{ loaded: LoadedCredential | undefined; reachable: boolean }> {
    if (cred.storage === 'file') {
      if (!cred.access_token || !cred.refresh_token) return { loaded: undefined, reachable: true };
      const loaded = { ...cred, access_token: cred.access_token, refresh_token: cred.refresh_token };
      return { loaded, reachable: true };
    }
    try {
      const tokens = await this.vault.get(this.account(resource));
      // No entry (deleted by hand, or by a sign-out): signed out.
      return { loaded: tokens && { ...cred, ...tokens }, reachable: true };
    } catch (error) {
      if (!(error instanceof KeychainUnavailable)) throw error;
      if (this.auto || this.chosen === 'keychain') {
        // Not a new sign-in into the file: that would strand the keychain's grant, alive for 90
        // days, and a later process that reaches the keychain would find the old one again.
        this.degrade(error);
        throw new KeychainUnavailable(
          `The Hostsmith sign-in is kept in ${this.keychain.name} (service ${KEYCHAIN_SERVICE}, account ${this.account(resource)}), which this process cannot reach (${error.message}). Not signing in again here: a second sign-in kept in ${this.file} would leave the one in the keychain active and unused. ${this.keychain.fix}`,
          { cause: error },
        );
      }
      // --storage file, reading what an auto process stored: the person chose the file.
      if (!this.toldUnreadable) {
        this.toldUnreadable = true;
        this.log.warn(
          `The tokens in the OS keychain cannot be read (${error.message}); you will be asked to sign in again.`,
        );
      }
      return { loaded: undefined, reachable: false };
    }
  }

  private degrade(error: KeychainUnavailable): void {
    if (!this.auto || this.degraded) return;
    this.degraded = true;
    this.log.warn(`${error.message}. Keeping credentials in ${this.file} (${fileProtection()}) from now on.`);
  }

  async write(resource: string, credential: LoadedCredential): Promise<void> {
    await this.io.withLock(async () => {
      await this.put(await this.io.read(), resource, credential);
    });
  }

  /** Store one credential into content (read under the lock) and write it out. */
  private async put(content: StoreFile, resource: string, credential: LoadedCredential): Promise<void> {
    const previous = content.credentials[resource];
    const { access_token, refresh_token, storage: _, too_large_for_keychain: __, ...rest } = credential;
    let tooLarge = this.auto && previous?.storage === 'file' && !!previous.too_large_for_keychain;
    let inFile = this.storage === 'file' || tooLarge;
    if (!inFile) {
      try {
        // The secret first: a crash in between leaves the old file pointing at the new tokens,
        // never a file that names tokens nowhere to be found.
        await this.vault.set(this.account(resource), { access_token, refresh_token });
        content.credentials[resource] = { ...rest, storage: 'keychain' };
      } catch (error) {
        if (error instanceof KeychainTooLarge) {
          if (!this.auto) {
            throw new KeychainTooLarge(
              `${error.message}, and --storage keychain keeps tokens nowhere else; use --storage auto to keep them in ${this.file}`,
              error.bytes,
              { cause: error },
            );
          }
          // This credential only: the keychain itself works, and keeps whatever fits.
          tooLarge = true;
          this.log.warn(`${error.message}; keeping this sign-in's tokens in ${this.file} instead.`);
        } else if (!(error instanceof KeychainUnavailable) || !this.auto) {
          throw error;
        } else {
          this.degrade(error);
        }
        inFile = true;
      }
    }
    if (inFile) {
      content.credentials[resource] = {
        ...rest,
        storage: 'file',
        ...(tooLarge ? { too_large_for_keychain: true } : {}),
        access_token,
        refresh_token,
      };
    }
    await this.io.write(content);
    if (inFile && previous?.storage === 'keychain') {
      // Only now that the file holds the tokens does the old entry go.
      await this.vault.delete(this.account(resource)).catch((error: Error) => {
        // Once the keychain is known to be unavailable, that has been said already.
        if (this.degraded) return;
        this.log.warn(
          `Could not delete the old keychain entry (service ${KEYCHAIN_SERVICE}, account ${this.account(resource)}): ${error.message}`,
        );
      });
    }
  }

  async remove(resource: string): Promise<void> {
    await this.io.withLock(async () => {
      const content = await this.io.read();
      const previous = content.credentials[resource];
      if (!previous) return;
      // The secret first: a crash in between leaves a file entry without tokens (signed out),
      // never a token nobody knows about.
      let failure: Error | undefined;
      if (previous.storage === 'keychain') {
        await this.vault.delete(this.account(resource)).catch((error: Error) => {
          failure = error;
        });
      }
      delete content.credentials[resource];
      await this.io.write(content);
      if (failure) {
        throw new KeychainUnavailable(
          `Signed out in ${this.file}, but the keychain entry (service ${KEYCHAIN_SERVICE}, account ${this.account(resource)}) could not be deleted: ${failure.message}`,
          { cause: failure },
        );
      }
    });
  }

  async readRegistration(issuer: string): Promise<Registration | undefined> {
    return (await this.io.read()).registrations[issuer];
  }

  writeRegistration(issuer: string, registration: Registration): Promise<void> {
    return this.io.update((content) => {
      content.registrations[issuer] = registration;
    });
  }

  removeRegistration(issuer: string): Promise<void> {
    return this.io.update((content) => {
      delete content.registrations[issuer];
    });
  }

  async readPendingSignIn(resource: string): Promise<PendingSignIn | undefined> {
    return (await this.io.read()).pending_sign_ins[resource];
  }

  writePendingSignIn(resource: string, pending: PendingSignIn): Promise<void> {
    return this.io.update((content) => {
      content.pending_sign_ins[resource] = pending;
    });
  }

  clearPendingSignIn(resource: string, pid?: number): Promise<void> {
    return this.io.update((content) => {
      const pending = content.pending_sign_ins[resource];
      if (pending && (pid === undefined || pending.pid === pid)) delete content.pending_sign_ins[resource];
    });
  }

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.io.withLock(fn);
  }

  async resources(): Promise<string[]> {
    return Object.keys((await this.io.read()).credentials);
  }
}

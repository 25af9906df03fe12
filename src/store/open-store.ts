// The CredentialStore: oauth.json for everything, and the token pair either inline (storage
// "file") or in the OS keychain (storage "keychain"). Credentials stored the other way are moved
// on the next read — token first to its new home, then the old copy removed — so switching
// storage never asks for a new sign-in and never loses a token.
import type { Logger } from '../log.js';
import { StoreFileIO } from './file-store.js';
import {
  createKeychainVault,
  KeychainUnavailable,
  keychainAccount,
  probeKeychain,
  type TokenVault,
} from './keychain.js';
import { storeDir } from './paths.js';
import type {
  Credential,
  CredentialStore,
  LoadedCredential,
  PendingSignIn,
  Registration,
  StorageKind,
} from './types.js';

export type StorageChoice = 'auto' | StorageKind;

export interface OpenStoreOptions {
  root: string;
  client: string;
  storage: StorageChoice;
  log: Logger;
  /** The keychain (the OS's, by default); tests may hand in another. */
  vault?: TokenVault;
}

/** The auto probe runs once per process. */
let autoProbe: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

export async function openStore(opts: OpenStoreOptions): Promise<CredentialStore> {
  const io = new StoreFileIO(storeDir(opts.root, opts.client), opts.log);
  const vault = opts.vault ?? createKeychainVault();
  let storage: StorageKind;
  if (opts.storage === 'file') {
    storage = 'file';
  } else {
    if (!opts.vault && !autoProbe) autoProbe = probeKeychain(vault);
    const probe = opts.vault ? await probeKeychain(vault) : await autoProbe!;
    if (probe.ok) {
      storage = 'keychain';
    } else if (opts.storage === 'keychain') {
      throw new KeychainUnavailable(
        `--storage keychain: no usable OS keychain (${probe.reason}). On Linux, run a Secret Service such as GNOME Keyring, or use --storage file.`,
      );
    } else {
      storage = 'file';
      opts.log.info(
        `No usable OS keychain (${probe.reason}); keeping credentials in ${io.file} (mode 0600).`,
      );
    }
  }
  return new Store(io, vault, storage, opts.client, opts.log);
}

class Store implements CredentialStore {
  readonly dir: string;
  readonly file: string;

  constructor(
    private readonly io: StoreFileIO,
    private readonly vault: TokenVault,
    readonly storage: StorageKind,
    private readonly client: string,
    private readonly log: Logger,
  ) {
    this.dir = io.dir;
    this.file = io.file;
  }

  private account(resource: string): string {
    return keychainAccount(this.client, resource);
  }

  async read(resource: string): Promise<LoadedCredential | undefined> {
    const cred = (await this.io.read()).credentials[resource];
    if (!cred) return undefined;
    const loaded = await this.loadTokens(resource, cred);
    if (loaded && cred.storage !== this.storage) await this.write(resource, loaded);
    return loaded;
  }

  private async loadTokens(resource: string, cred: Credential): Promise<LoadedCredential | undefined> {
    if (cred.storage === 'file') {
      if (!cred.access_token || !cred.refresh_token) return undefined;
      return { ...cred, access_token: cred.access_token, refresh_token: cred.refresh_token };
    }
    try {
      const tokens = await this.vault.get(this.account(resource));
      if (!tokens) return undefined; // the entry was deleted by hand: signed out
      return { ...cred, ...tokens };
    } catch (error) {
      if (!(error instanceof KeychainUnavailable)) throw error;
      this.log.warn(
        `Cannot read the tokens from the OS keychain (${error.message}); you may be asked to sign in.`,
      );
      return undefined;
    }
  }

  async write(resource: string, credential: LoadedCredential): Promise<void> {
    await this.io.withLock(async () => {
      const content = await this.io.read();
      const previous = content.credentials[resource];
      const { access_token, refresh_token, ...rest } = credential;
      if (this.storage === 'keychain') {
        // The secret first: a crash in between leaves the old file pointing at new tokens, never
        // a file that names tokens nowhere to be found.
        await this.vault.set(this.account(resource), { access_token, refresh_token });
        content.credentials[resource] = { ...rest, storage: 'keychain' };
      } else {
        content.credentials[resource] = { ...rest, storage: 'file', access_token, refresh_token };
      }
      await this.io.write(content);
      if (this.storage === 'file' && previous?.storage === 'keychain') {
        await this.vault.delete(this.account(resource)).catch(() => {});
      }
    });
  }

  async remove(resource: string): Promise<void> {
    await this.io.withLock(async () => {
      const content = await this.io.read();
      const previous = content.credentials[resource];
      delete content.credentials[resource];
      await this.io.write(content);
      if (previous?.storage === 'keychain') {
        await this.vault.delete(this.account(resource)).catch((error: Error) => {
          this.log.warn(`Could not delete the keychain entry ${this.account(resource)}: ${error.message}`);
          throw error;
        });
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

// `hostsmith-mcp logout`: for each credential set, revoke the grant at the authorization server
// (RFC 7009: the refresh token, which ends the grant, then the access token), then delete the
// tokens wherever they live (keychain and file) and the cached client registration — whatever
// the server said. Exit 1 when a revocation failed; the local credentials are gone even then.
import { rm } from 'node:fs/promises';
import { createAuthHttp, createOAuthClient, signOut } from '../../auth/index.js';
import type { Settings } from '../../config.js';
import type { IO } from '../../io.js';
import { createLogger } from '../../log.js';
import { KeychainUnavailable } from '../../store/keychain.js';
import type { CredentialStore } from '../../store/types.js';
import {
  type ClientFolderStore,
  configRoot,
  describeSet,
  openFolders,
  selectFolders,
} from '../shared/credential-sets.js';

/** Where a person reviews and revokes the apps signed in to their Hostsmith account. */
export const ACCOUNT_PAGE = 'https://hostsmith.net/account/security';

export const HELP = `Usage: hostsmith-mcp logout [--client NAME] [--profile NAME] [--json]

Signs out every stored sign-in (every client folder under the config root, or only --client's;
every profile in each, or only --profile's — "default" is the one made without --profile — and
each one's read-only sign-in beside it):
revokes it at Hostsmith (the refresh token, which ends the grant, and the access token), then
deletes the tokens from the OS keychain and the credentials file, and the cached client
registration. The local credentials are deleted even when Hostsmith cannot be reached.

Options:
  --client NAME   only this client folder
  --profile NAME  only this profile; the folder's other profiles stay signed in
  --json          one JSON document on stdout

You can also revoke access from your Hostsmith account: ${ACCOUNT_PAGE}

Exit status: 0 when everything found was revoked and removed (or nothing was stored);
1 when a revocation failed (the local credentials are removed all the same).
`;

export interface SetLogout {
  clientFolder: string;
  profile: string;
  /** A read-only server's grant (kept apart from the profile's full one). */
  readOnly: boolean;
  api: string;
  account: { email: string; homePartition: string } | null;
  revoked: boolean;
  revocationError?: string;
  removed: boolean;
  removalError?: string;
}

export interface LogoutReport {
  configRoot: string;
  sets: SetLogout[];
  accountPage: string;
}

export interface LogoutOptions {
  settings: Settings;
  io: IO;
  flags: Record<string, unknown>;
}

export async function run(opts: LogoutOptions): Promise<number> {
  const { settings, io } = opts;
  const json = opts.flags.json === true;
  const log = createLogger({ write: io.err });
  const report: LogoutReport = { configRoot: configRoot(settings), sets: [], accountPage: ACCOUNT_PAGE };

  let folders: ClientFolderStore[];
  try {
    folders = await openFolders(settings, selectFolders(settings), log);
  } catch (error) {
    io.err(`hostsmith-mcp logout: ${(error as Error).message}\n`);
    return 1;
  }
  const say = (text: string) => {
    if (!json) io.out(text);
  };
  if (folders.every((f) => f.resources.length === 0)) {
    const which =
      (settings.client ? ` for client folder "${settings.client}"` : '') +
      (settings.profile ? ` for profile "${settings.profile}"` : '');
    say(`No Hostsmith sign-in stored${which} under ${report.configRoot}; nothing to do.\n`);
    if (json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  say(
    `Signing out of Hostsmith: client folders ${[...new Set(folders.map((f) => f.folder))].join(', ')} under ${report.configRoot}\n`,
  );

  // One HTTP client for every revocation; the log stays quiet: each outcome is printed below.
  const http = createAuthHttp();
  const quiet = createLogger({ write: io.err, level: 'error' });
  try {
    for (const { folder, profile, readOnly, store, resources } of folders) {
      for (const resource of resources) {
        const set = await logoutOne(store, { folder, profile, readOnly }, resource, settings, http, quiet);
        report.sets.push(set);
        const who = set.account ? ` (${set.account.email})` : '';
        say(`\n${describeSet(folder, profile, readOnly)} · ${resource}${who}\n`);
        say(set.revoked ? '  revoked\n' : `  revocation failed: ${set.revocationError}\n`);
        say(
          set.removed
            ? '  local credentials removed\n'
            : `  local credentials NOT removed: ${set.removalError}\n`,
        );
      }
      await forgetFolderIfEmpty(store);
    }
  } finally {
    await http.close().catch(() => {});
  }
  say(`\nTo see or revoke every app signed in to your Hostsmith account: ${ACCOUNT_PAGE}\n`);
  if (json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  return report.sets.every((s) => s.revoked && s.removed) ? 0 : 1;
}

async function logoutOne(
  store: CredentialStore,
  { folder, profile, readOnly }: { folder: string; profile: string; readOnly: boolean },
  resource: string,
  settings: Settings,
  http: ReturnType<typeof createAuthHttp>,
  log: ReturnType<typeof createLogger>,
): Promise<SetLogout> {
  const set: SetLogout = {
    clientFolder: folder,
    profile,
    readOnly,
    api: resource,
    account: null,
    revoked: false,
    removed: false,
  };
  let cred: Awaited<ReturnType<CredentialStore['read']>>;
  try {
    cred = await store.read(resource);
  } catch (error) {
    if (error instanceof KeychainUnavailable) {
      // The tokens are in a keychain out of reach: forgetting the file's entry would leave a live
      // grant that no later logout could find. Keep it, and say how to reach the keychain.
      set.revocationError = error.message;
      set.removalError = 'kept, so that a logout that can reach the keychain revokes it';
      return set;
    }
    cred = undefined;
  }
  if (cred?.account) set.account = { email: cred.account.email, homePartition: cred.account.homePartition };
  if (!cred) {
    set.revocationError = 'no tokens left to revoke (the keychain entry or file tokens were already gone)';
  } else {
    const oauth = createOAuthClient({
      apiUrl: resource,
      store,
      http,
      log,
      ...(settings.clientId ? { clientId: settings.clientId } : {}),
    });
    try {
      const result = await signOut({ store, oauth, log });
      set.revoked = result.revoked;
      if (!result.revoked)
        set.revocationError = result.warning ?? 'the server did not confirm the revocation';
    } catch (error) {
      // signOut revokes best-effort and only throws when the local removal failed; retried below.
      set.revocationError = (error as Error).message;
    }
  }
  try {
    // signOut removed the credential already; this also covers one whose tokens had gone missing.
    await store.withLock(async () => {
      await store.remove(resource);
      if (cred) await store.removeRegistration(cred.issuer);
    });
    set.removed = true;
  } catch (error) {
    set.removalError = (error as Error).message;
  }
  return set;
}

/** A folder left with no credential keeps nothing worth keeping: drop the file (registrations, markers). */
async function forgetFolderIfEmpty(store: CredentialStore): Promise<void> {
  await store
    .withLock(async () => {
      if ((await store.resources()).length === 0) await rm(store.file, { force: true });
    })
    .catch(() => {});
}

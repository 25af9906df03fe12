// Which credential sets a command acts on: one per client folder, profile, read-only or not, and
// API resource. With --client, that folder only; without it, every client folder under the config
// root. With --profile, that profile only; without it, every profile each folder holds. A
// read-only server's credential is found beside its profile's full one (status and logout say
// which). Shared by `status` and `logout`; `login` picks one folder with pickLoginFolder().
import type { Settings } from '../../config.js';
import type { Logger } from '../../log.js';
import { KEYCHAIN_SERVICE } from '../../store/keychain.js';
import { openStore } from '../../store/open-store.js';
import { configHome, safeClientName } from '../../store/paths.js';
import {
  credentialAccount,
  DEFAULT_PROFILE,
  listClientFolders,
  listCredentials,
} from '../../store/profile.js';
import type { CredentialStore, LoadedCredential } from '../../store/types.js';

/** The folder names common MCP clients report (clientInfo.name, made filesystem-safe). */
export const COMMON_CLIENTS: ReadonlyArray<{ folder: string; client: string }> = [
  { folder: 'claude-ai', client: 'Claude Desktop' },
  { folder: 'cursor-vscode', client: 'Cursor' },
  { folder: 'visual-studio-code', client: 'VS Code' },
];

export const SECONDS_PER_DAY = 86_400;

export interface ClientFolderStore {
  folder: string;
  profile: string;
  /** A read-only server's credential (kept apart from the profile's full one). */
  readOnly: boolean;
  store: CredentialStore;
  resources: string[];
}

export function configRoot(settings: Settings): string {
  return configHome({ configDir: settings.configDir });
}

/** The client folders to act on: --client's, or every one holding a credentials file. */
export function selectFolders(settings: Settings): string[] {
  if (settings.client) return [safeClientName(settings.client)];
  return listClientFolders(configRoot(settings));
}

/**
 * Each folder's stores, one per profile and read-only or not (opened with the chosen storage),
 * and the APIs each holds credentials for. With --profile, that profile's full store is listed
 * even when it holds nothing yet (login and logout say so).
 */
export async function openFolders(
  settings: Settings,
  folders: readonly string[],
  log: Logger,
): Promise<ClientFolderStore[]> {
  const root = configRoot(settings);
  const out: ClientFolderStore[] = [];
  for (const folder of folders) {
    const slots = settings.profile
      ? [
          { profile: settings.profile, readOnly: false },
          ...listCredentials(root, folder, settings.profile).filter((c) => c.readOnly),
        ]
      : listCredentials(root, folder);
    for (const { profile, readOnly } of slots) {
      const store = await openStore({
        root,
        client: folder,
        profile,
        readOnly,
        storage: settings.storage,
        log,
      });
      out.push({ folder, profile, readOnly, store, resources: (await store.resources()).sort() });
    }
  }
  return out;
}

/** "claude-ai", "claude-ai (profile work)", "claude-ai (profile work) (read-only)": for people. */
export function describeSet(folder: string, profile: string, readOnly = false): string {
  const named = profile === DEFAULT_PROFILE ? folder : `${folder} (profile ${profile})`;
  return readOnly ? `${named} (read-only)` : named;
}

/** The login command that signs one credential in again, for people. */
export function loginHint(folder: string, profile: string, readOnly: boolean): string {
  const named = profile === DEFAULT_PROFILE ? '' : ` --profile ${profile}`;
  return `hostsmith-mcp login --client ${folder}${named}${readOnly ? ' --read-only' : ''}`;
}

/**
 * Where a credential's tokens live, for people: the file, or the keychain entry. `storage` is the
 * credential's own (a pair too large for the keychain stays in the file even when the store
 * keeps others in the keychain); the store's by default.
 */
export function tokenLocation(
  store: CredentialStore,
  folder: string,
  slot: { profile: string; readOnly: boolean },
  resource: string,
  storage: 'file' | 'keychain' = store.storage,
): { storage: 'file' | 'keychain'; where: string } {
  return storage === 'keychain'
    ? {
        storage: 'keychain',
        where: `OS keychain (service ${KEYCHAIN_SERVICE}, account ${credentialAccount(folder, slot, resource)})`,
      }
    : { storage: 'file', where: store.file };
}

/** Days left of the refresh token's 90-day window, a started day counted (0 once it has ended). */
export function refreshDaysLeft(cred: LoadedCredential, windowSeconds: number, nowSeconds: number): number {
  return Math.max(0, Math.ceil((cred.authorized_at + windowSeconds - nowSeconds) / SECONDS_PER_DAY));
}

/** The list shown when login cannot tell which client folder to use. */
export function describeFolderChoice(root: string, found: readonly string[]): string {
  const lines = [
    found.length === 0
      ? `No client folder under ${root} yet.`
      : `Several client folders under ${root}: ${found.join(', ')}.`,
    'Say which MCP client the sign-in is for with --client NAME, for example:',
    ...COMMON_CLIENTS.map(({ folder, client }) => `  --client ${folder.padEnd(20)} ${client}`),
  ];
  return `${lines.join('\n')}\n`;
}

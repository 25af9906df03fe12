// Which credential sets a command acts on: one per client folder and API resource. With --client,
// that folder only; without it, every client folder under the config root (status and logout say
// which). Shared by `status` and `logout`; `login` picks one folder with pickLoginFolder().

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../../config.js';
import type { Logger } from '../../log.js';
import { KEYCHAIN_SERVICE, keychainAccount } from '../../store/keychain.js';
import { openStore } from '../../store/open-store.js';
import { configHome, listClientFolders, STORE_FILE, safeClientName, storeDir } from '../../store/paths.js';
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
  /** The read-only server's credential (kept apart: storeDir's `-ro` folder). */
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
 * Each folder's store (opened with the chosen storage) and the APIs it holds credentials for;
 * then its read-only store, where a read-only server has stored one.
 */
export async function openFolders(
  settings: Settings,
  folders: readonly string[],
  log: Logger,
): Promise<ClientFolderStore[]> {
  const root = configRoot(settings);
  const out: ClientFolderStore[] = [];
  for (const folder of folders) {
    for (const readOnly of [false, true]) {
      if (readOnly && !existsSync(join(storeDir(root, folder, { readOnly }), STORE_FILE))) continue;
      const store = await openStore({ root, client: folder, readOnly, storage: settings.storage, log });
      out.push({ folder, readOnly, store, resources: (await store.resources()).sort() });
    }
  }
  return out;
}

/**
 * Where a credential's tokens live, for people: the file, or the keychain entry. `storage` is the
 * credential's own (a pair too large for the keychain stays in the file even when the store
 * keeps others in the keychain); the store's by default.
 */
export function tokenLocation(
  store: CredentialStore,
  folder: string,
  resource: string,
  storage: 'file' | 'keychain' = store.storage,
  readOnly = false,
): { storage: 'file' | 'keychain'; where: string } {
  return storage === 'keychain'
    ? {
        storage: 'keychain',
        where: `OS keychain (service ${KEYCHAIN_SERVICE}, account ${keychainAccount(folder, resource, readOnly)})`,
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

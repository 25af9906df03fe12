// Where one credential lives: f(client, profile, read-only). The profile "default" keeps the
// folder and keychain account there were before profiles; any other lives beside it in
// <client>/hostsmith/profiles/<name>/ (its own oauth.json and lock) with the keychain account
// <client>|<name>|<resource>, so two profiles never share a file, a lock or a keychain entry.
// A read-only server's grant is kept apart from the full server's of the same profile, so it
// never picks up a grant that can write: the default profile's in <client>/hostsmith-ro/, another
// profile's in profiles/<name>/read-only/ ("read-only" is a subfolder, not a sibling "<name>-ro",
// which could be a valid profile name), and the keychain account takes a "ro|" prefix.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { keychainAccount } from './keychain-account.js';
import { PROFILES_FOLDER, pathFlavour, STORE_FILE, storeDir } from './paths.js';

export const DEFAULT_PROFILE = 'default';
/** A profile's read-only credential's subfolder (the default profile's is the hostsmith-ro folder). */
export const READ_ONLY_FOLDER = 'read-only';
const DEFAULT_READ_ONLY_DIR = 'hostsmith-ro';

/** Which of a client folder's credentials: a profile, full or read-only. */
export interface CredentialSlot {
  profile?: string;
  readOnly?: boolean;
}

/** Said in every error about a name: the rule, not just "invalid". */
export const PROFILE_RULE =
  'a profile name is 1 to 32 characters: lowercase letters a-z, digits 0-9, "-" and "_", starting with a letter or digit (e.g. work, personal)';

// No '.', '/', '\\' or '|': a name is one folder on every platform and one field of a keychain
// account. Windows' reserved device names would make a folder nobody can open there.
const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;

export function isProfileName(name: string): boolean {
  return NAME.test(name) && !WINDOWS_RESERVED.test(name);
}

/** Why a name is refused, for people; undefined when it is a profile name. */
export function profileNameProblem(name: string): string | undefined {
  if (isProfileName(name)) return undefined;
  const reserved = WINDOWS_RESERVED.test(name) ? ` ("${name}" is a reserved device name on Windows)` : '';
  return `"${name}" is not a profile name${reserved}: ${PROFILE_RULE}`;
}

/** The folder holding one credential's oauth.json and lock, for a platform's path rules. */
export function credentialDir(
  root: string,
  client: string,
  slot: CredentialSlot = {},
  platform: NodeJS.Platform = process.platform,
): string {
  const path = pathFlavour(platform);
  const profile = slot.profile ?? DEFAULT_PROFILE;
  if (profile === DEFAULT_PROFILE) {
    return slot.readOnly ? path.join(root, client, DEFAULT_READ_ONLY_DIR) : storeDir(root, client, platform);
  }
  const dir = path.join(storeDir(root, client, platform), PROFILES_FOLDER, profile);
  return slot.readOnly ? path.join(dir, READ_ONLY_FOLDER) : dir;
}

/** The keychain account of one credential's tokens for one API resource. */
export function credentialAccount(client: string, slot: CredentialSlot, resource: string): string {
  const profile = slot.profile ?? DEFAULT_PROFILE;
  const full =
    profile === DEFAULT_PROFILE ? keychainAccount(client, resource) : `${client}|${profile}|${resource}`;
  return slot.readOnly ? `ro|${full}` : full;
}

/** One profile's full folder (credentialDir without read-only). */
export function profileDir(
  root: string,
  client: string,
  profile: string = DEFAULT_PROFILE,
  platform: NodeJS.Platform = process.platform,
): string {
  return credentialDir(root, client, { profile }, platform);
}

/** One profile's full keychain account (credentialAccount without read-only). */
export function profileKeychainAccount(client: string, profile: string, resource: string): string {
  return credentialAccount(client, { profile }, resource);
}

const holds = (root: string, client: string, slot: CredentialSlot) =>
  existsSync(join(credentialDir(root, client, slot), STORE_FILE));

/**
 * The credentials one client folder holds: "default" first, then the other profiles sorted, each
 * full before read-only. A folder under profiles/ whose name breaks the rule is not one of ours.
 * With `only`, that profile's alone.
 */
export function listCredentials(root: string, client: string, only?: string): Required<CredentialSlot>[] {
  let profiles: string[];
  if (only !== undefined) profiles = [only];
  else {
    let entries: string[] = [];
    try {
      entries = readdirSync(join(storeDir(root, client), PROFILES_FOLDER));
    } catch {
      // no other profile
    }
    profiles = [DEFAULT_PROFILE, ...entries.filter((n) => n !== DEFAULT_PROFILE && isProfileName(n)).sort()];
  }
  return profiles.flatMap((profile) =>
    [false, true].map((readOnly) => ({ profile, readOnly })).filter((slot) => holds(root, client, slot)),
  );
}

/** The profiles of one client folder that hold a credentials file (full or read-only). */
export function listProfiles(root: string, client: string): string[] {
  return [...new Set(listCredentials(root, client).map((c) => c.profile))];
}

/** Client folders under the root that hold a credentials file (any profile, full or read-only), sorted. */
export function listClientFolders(root: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries.filter((name) => listCredentials(root, name).length > 0).sort();
}

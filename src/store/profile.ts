// Profiles: more than one Hostsmith account for one MCP client. The profile "default" keeps the
// folder and keychain account there were before profiles; any other lives beside it in
// <client>/hostsmith/profiles/<name>/ (its own oauth.json and lock) with the keychain account
// <client>|<name>|<resource>, so two profiles never share a file, a lock or a keychain entry.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { keychainAccount } from './keychain.js';
import { PROFILES_FOLDER, pathFlavour, STORE_FILE, storeDir } from './paths.js';

export const DEFAULT_PROFILE = 'default';

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

/** The folder holding one profile's oauth.json and lock, for a platform's path rules. */
export function profileDir(
  root: string,
  client: string,
  profile: string = DEFAULT_PROFILE,
  platform: NodeJS.Platform = process.platform,
): string {
  const path = pathFlavour(platform);
  const base = storeDir(root, client, platform);
  return profile === DEFAULT_PROFILE ? base : path.join(base, PROFILES_FOLDER, profile);
}

/** The keychain account of one profile's tokens for one API resource. */
export function profileKeychainAccount(client: string, profile: string, resource: string): string {
  return profile === DEFAULT_PROFILE ? keychainAccount(client, resource) : `${client}|${profile}|${resource}`;
}

/**
 * The profiles of one client folder that hold a credentials file: "default" first, then the
 * others sorted. A folder under profiles/ whose name breaks the rule is not one of ours.
 */
export function listProfiles(root: string, client: string): string[] {
  const holds = (profile: string) => existsSync(join(profileDir(root, client, profile), STORE_FILE));
  const found = holds(DEFAULT_PROFILE) ? [DEFAULT_PROFILE] : [];
  let entries: string[];
  try {
    entries = readdirSync(join(storeDir(root, client), PROFILES_FOLDER));
  } catch {
    return found;
  }
  const others = entries.filter((n) => n !== DEFAULT_PROFILE && isProfileName(n) && holds(n)).sort();
  return [...found, ...others];
}

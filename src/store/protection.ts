// What keeps the credentials file private, said truthfully for each platform: POSIX modes mean
// nothing on Windows, where the user profile's ACL does that job — and only inside the profile.
import { pathFlavour } from './paths.js';

/** How the credentials file is protected, for messages: "(…)" after its path. */
export function fileProtection(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32'
    ? "readable only by you: your user profile's access control list"
    : 'mode 0600, folder 0700';
}

/** Whether `path` is `home` or inside it (case-insensitively on Windows, like its file system). */
export function isInside(path: string, home: string, platform: NodeJS.Platform): boolean {
  const flavour = pathFlavour(platform);
  // win32.relative compares case-insensitively; a different drive gives an absolute answer.
  const rel = flavour.relative(flavour.resolve(home), flavour.resolve(path));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${flavour.sep}`) && !flavour.isAbsolute(rel));
}

/**
 * On Windows, a config root outside the user profile is not covered by the profile's ACL:
 * whoever may read that folder may read the tokens. One stderr line says so; elsewhere nothing.
 */
export function outsideProfileWarning(
  root: string,
  home: string,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform !== 'win32' || isInside(root, home, platform)) return undefined;
  return (
    `The credentials folder ${root} is outside your user profile (${home}), so your profile's ` +
    'access control list does not protect it: anyone allowed to read that folder can read your ' +
    'Hostsmith sign-in. Use a folder inside your profile (--config-dir or HOSTSMITH_MCP_CONFIG_DIR), ' +
    "or make sure that folder's permissions admit only you."
  );
}

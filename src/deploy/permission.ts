// "The OS will not let us read this": which errors mean that, and how a person allows it on
// their platform. On macOS the usual cause is not the file's mode but the privacy protection of
// Desktop, Documents and Downloads (TCC): the app that started this server (the MCP host) must be
// allowed, and the answer to a plain `readdir` is EPERM.
import { DeployError } from './errors.js';

/** errno codes that mean "not allowed", as opposed to "not there" or "broken". */
export function isPermissionError(err: unknown): boolean {
  const code = err instanceof Error && 'code' in err ? err.code : undefined;
  return code === 'EACCES' || code === 'EPERM';
}

/** What to do about a refused read, on `platform`. Pure: the words depend on the platform only. */
export function permissionHelp(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return "macOS protects Desktop, Documents and Downloads (and removable and network volumes): open System Settings → Privacy & Security → Files and Folders (or Full Disk Access), allow the app this MCP server runs in (Claude, Cursor, VS Code, …), then quit and reopen that app. Or move the site to a folder outside those. Elsewhere, check the folder's permissions (ls -le) so your user can read it.";
    case 'win32':
      return "Check the folder's permissions: right-click it → Properties → Security, and give your Windows user Read access (or copy the site into a folder of your own, such as one in your user profile).";
    default:
      return "Check the folder's permissions (ls -ld): the user this server runs as must be able to read its files and open its folders (for example chmod -R u+rX on a folder you own), or copy the site into a folder of your own.";
  }
}

/** The tool error for a folder or file the OS would not let this server read. */
export function permissionDenied(
  platform: NodeJS.Platform,
  what: 'folder' | 'file',
  path: string,
  err: unknown,
): DeployError {
  const code = err instanceof Error && 'code' in err ? String(err.code) : 'refused';
  return new DeployError(
    'PERMISSION_DENIED',
    `The system did not let this server read the ${what} ${path} (${code}). ${permissionHelp(platform)}`,
    { cause: err },
  );
}

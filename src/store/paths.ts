// Where credentials live: <config home>/<client>/hostsmith/oauth.json, the config home being
// --config-dir, else $XDG_CONFIG_HOME, else ~/.config — on every platform, as the product, the
// README and Hostsmith's docs say (not the OS's preference folders: ~/Library/Preferences on
// macOS, %APPDATA% on Windows).
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

export const STORE_FILE = 'oauth.json';
/** Beside the default profile's oauth.json: profiles/<name>/oauth.json (see profile.ts). */
export const PROFILES_FOLDER = 'profiles';

/** The path rules of a platform: backslashes and drive letters on Windows, '/' elsewhere. */
export function pathFlavour(platform: NodeJS.Platform): typeof posix {
  return platform === 'win32' ? win32 : posix;
}

export interface ConfigHomeOptions {
  /** --config-dir / HOSTSMITH_MCP_CONFIG_DIR, already resolved by the settings. */
  configDir?: string;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/**
 * The config root: --config-dir when given, else $XDG_CONFIG_HOME when set (and absolute: the
 * XDG spec says to ignore a relative one), else <home>/.config. The same rule on every platform;
 * only the path syntax differs. Pure: the process's values are only the defaults.
 */
export function configHome(opts: ConfigHomeOptions = {}): string {
  if (opts.configDir) return opts.configDir;
  const path = pathFlavour(opts.platform ?? process.platform);
  const xdg = (opts.env ?? process.env).XDG_CONFIG_HOME?.trim();
  if (xdg && path.isAbsolute(xdg)) return path.normalize(xdg);
  return path.join(opts.home ?? homedir(), '.config');
}

/**
 * The MCP client's name made safe as one folder name: lowercase; anything outside [a-z0-9._-]
 * becomes '-'; runs of '-' collapse; '-' and '.' trimmed from both ends; at most 64 characters;
 * empty becomes 'mcp-client'. ('Visual Studio Code' → 'visual-studio-code'.)
 */
export function safeClientName(name: string): string {
  const safe = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64)
    .replace(/[-.]+$/g, '');
  return safe || 'mcp-client';
}

/** The default profile's full folder (profile.ts composes the others'), for a platform's path rules. */
export function storeDir(root: string, client: string, platform: NodeJS.Platform = process.platform): string {
  return pathFlavour(platform).join(root, client, 'hostsmith');
}

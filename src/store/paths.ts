// Where credentials live: <config home>/<client>/hostsmith/oauth.json.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import envPaths from 'env-paths';

export const STORE_FILE = 'oauth.json';

/** The platform's config home ($XDG_CONFIG_HOME or ~/.config on Linux), or --config-dir. */
export function configHome(opts: { configDir?: string } = {}): string {
  // env-paths('') with no suffix is the config home itself, not a folder of ours inside it.
  return opts.configDir ?? envPaths('', { suffix: '' }).config;
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

export function storeDir(root: string, client: string): string {
  return join(root, client, 'hostsmith');
}

/** Client folders under the root that hold a credentials file, sorted. */
export function listClientFolders(root: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries.filter((name) => existsSync(join(storeDir(root, name), STORE_FILE))).sort();
}

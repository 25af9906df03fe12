// Where scripts/install-hosts.sh put each pinned host (see there). A host that is not installed
// fails its tests with the reason: npm's own words when the install failed, else how to install.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/mcp-server.js';

export type HostPackage = '@anthropic-ai/claude-code' | '@openai/codex' | '@google/gemini-cli';

const PINS = JSON.parse(readFileSync(join(ROOT, 'test/hosts/versions.json'), 'utf8')) as Record<
  HostPackage,
  { version: string; bin: string }
>;

export function pinnedVersion(pkg: HostPackage): string {
  return PINS[pkg].version;
}

export function hostsCache(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return process.env.HOSTSMITH_HOSTS_CACHE || join(cacheHome, 'hostsmith-mcp-test/hosts');
}

export interface InstalledHost {
  pkg: HostPackage;
  version: string;
  /** The host's command (node_modules/.bin/<bin> in its cache folder). */
  bin: string;
}

/** The installed host, or an Error saying why it is not there (thrown by the test that needs it). */
export function installedHost(pkg: HostPackage): InstalledHost {
  const { version, bin } = PINS[pkg];
  const dir = join(hostsCache(), `${pkg.replace('/', '+')}@${version}`);
  if (existsSync(`${dir}.failed`)) {
    throw new Error(`${pkg}@${version} could not be installed: ${readFileSync(`${dir}.failed`, 'utf8')}`);
  }
  const path = join(dir, 'node_modules/.bin', bin);
  if (!existsSync(join(dir, '.installed')) || !existsSync(path)) {
    throw new Error(
      `${pkg}@${version} is not installed in ${dir}: run scripts/install-hosts.sh (scripts/test.sh runs it)`,
    );
  }
  return { pkg, version, bin: path };
}

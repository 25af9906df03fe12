// manifest.json of the Claude Desktop bundle (MCPB manifest 0.4, the newest @anthropic-ai/mcpb 2.x
// validates). Settings reach the server through its environment variables (src/config.ts), so
// the names and defaults here are the server's own.
import { DEFAULT_API_URL, ENV } from '../../src/config.js';
import type { CatalogueTool } from './catalogue.js';
import type { Platform } from './platforms.js';

export const MANIFEST_VERSION = '0.4';

export interface PackageJson {
  name: string;
  version: string;
  description: string;
  license: string;
  bin: Record<string, string>;
  engines: { node: string };
}

/** A tool's first sentence: the manifest shows a list, the full text comes with tools/list. */
export function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const flat = text.replace(/\s+/g, ' ').trim();
  // A sentence ends at . ! or ? before a capital or the end ("e.g. us" does not end one).
  const end = flat.search(/[.!?](?=\s+[A-Z]|$)/);
  return end < 0 ? flat : flat.slice(0, end + 1);
}

/** Claude Desktop's placeholder for a user_config value (a literal "${…}", not a JS template). */
const userConfig = (key: string) => `\${user_config.${key}}`;

export function buildManifest(pkg: PackageJson, tools: CatalogueTool[], platforms: readonly Platform[]) {
  const entryPoint = Object.values(pkg.bin)[0];
  if (!entryPoint) throw new Error('package.json has no "bin" entry: the bundle needs an entry point.');
  return {
    manifest_version: MANIFEST_VERSION,
    name: pkg.name,
    display_name: 'Hostsmith',
    version: pkg.version,
    description: pkg.description,
    long_description:
      'List, create, update and delete your Hostsmith static sites, upload files, deploy a local ' +
      'folder and list domains, signed in with your own Hostsmith account. The first tool call ' +
      'opens your browser to sign in; the tokens stay in your OS keychain.',
    author: { name: 'hostsmith-mcp authors', url: 'https://hostsmith.net' },
    homepage: 'https://hostsmith.net',
    license: pkg.license,
    keywords: ['hostsmith', 'static sites', 'hosting', 'deploy'],
    server: {
      type: 'node',
      entry_point: entryPoint,
      mcp_config: {
        command: 'node',
        args: [`\${__dirname}/${entryPoint}`],
        // An optional setting left blank arrives as "": the server reads a blank variable as unset.
        env: {
          [ENV.apiUrl]: userConfig('api_url'),
          [ENV.storage]: userConfig('storage'),
        },
      },
    },
    tools: tools.map((tool) => ({ name: tool.name, description: firstSentence(tool.description) })),
    tools_generated: false,
    user_config: {
      api_url: {
        type: 'string',
        title: 'Hostsmith API URL',
        description: `Leave as is to use Hostsmith (${DEFAULT_API_URL}); another URL for a self-hosted or test Hostsmith.`,
        default: DEFAULT_API_URL,
        required: false,
      },
      storage: {
        type: 'string',
        title: 'Where to keep your sign-in',
        description:
          'auto: the OS keychain when there is one, else a file only you can read; keychain: the keychain or an error; file: always the file.',
        default: 'auto',
        required: false,
      },
    },
    privacy_policies: ['https://hostsmith.net/privacy'],
    compatibility: {
      platforms: [...platforms],
      runtimes: { node: pkg.engines.node },
    },
  };
}

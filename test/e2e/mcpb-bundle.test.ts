// The Claude Desktop bundle as Desktop runs it: the .mcpb that `npm run mcpb` built (the test
// command builds it before vitest) unpacked with `mcpb unpack` into a folder outside the
// repository, its server started with plain node as the manifest's mcp_config says, the user
// settings filled in as Desktop fills them; then initialize, tools/list and a signed-in list_sites
// against the sandbox over the real MCP client.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bundleFileName,
  type LockPackages,
  nativePathsFor,
  type Platform,
} from '../../scripts/mcpb/platforms.js';
import { e2e, ok } from '../helpers/e2e.js';
import { ROOT, tempDir } from '../helpers/mcp-server.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  engines: { node: string };
};
const lock = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: LockPackages })
  .packages;
const bundle = join(ROOT, 'dist-mcpb', bundleFileName(pkg.name, pkg.version));

interface Manifest {
  manifest_version: string;
  name: string;
  version: string;
  server: {
    type: string;
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  tools: Array<{ name: string }>;
  user_config: Record<string, { default?: string }>;
  privacy_policies: string[];
  compatibility: { platforms: Platform[]; runtimes: { node: string } };
}

/** Desktop's substitution: ${__dirname} is the unpacked folder, ${user_config.x} the person's setting. */
function substitute(value: string, dir: string, settings: Record<string, string>): string {
  return value
    .replaceAll(`\${__dirname}`, dir)
    .replace(/\$\{user_config\.(\w+)\}/g, (_, key: string) => settings[key] ?? '');
}

const env = await e2e();
let dir: string;
let manifest: Manifest;

beforeAll(() => {
  expect(existsSync(bundle), `${bundle} is missing: run \`npm run mcpb\` first`).toBe(true);
  dir = tempDir('hostsmith-mcpb-unpacked-');
  const cli = join(ROOT, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');
  execFileSync(process.execPath, [cli, 'unpack', bundle, dir], { stdio: 'pipe' });
  manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
});

describe('the .mcpb bundle', () => {
  it('has a manifest Desktop can run: node, the entry point, the Node range, platforms, settings', () => {
    expect(manifest).toMatchObject({ manifest_version: '0.4', name: pkg.name, version: pkg.version });
    expect(manifest.server.type).toBe('node');
    expect(manifest.server.mcp_config.command).toBe('node');
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${manifest.server.entry_point}`]);
    expect(existsSync(join(dir, manifest.server.entry_point))).toBe(true);
    expect(manifest.compatibility.runtimes.node).toBe(pkg.engines.node);
    expect(manifest.compatibility.platforms.sort()).toEqual(['darwin', 'linux', 'win32']);
    expect(Object.keys(manifest.user_config).sort()).toEqual(['api_url', 'storage']);
    expect(manifest.privacy_policies.length).toBeGreaterThan(0);
  });

  it("carries the keychain binary of every platform it claims, and this machine's loads with plain node", () => {
    for (const platform of manifest.compatibility.platforms) {
      const natives = nativePathsFor(lock, platform);
      expect(natives.length, platform).toBeGreaterThan(0);
      for (const path of natives) expect(existsSync(join(dir, path)), path).toBe(true);
    }
    const loaded = execFileSync(
      process.execPath,
      ['-e', 'console.log(typeof require("@napi-rs/keyring").Entry)'],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(loaded.trim()).toBe('function');
  });

  it('runs with plain node from the unpacked folder: initialize, tools/list, signed-in list_sites', async () => {
    const settings = { api_url: env.sandbox.api, storage: 'file' };
    const [entry, ...args] = manifest.server.mcp_config.args.map((a) => substitute(a, dir, settings));
    const settingsEnv = Object.fromEntries(
      Object.entries(manifest.server.mcp_config.env).map(([k, v]) => [k, substitute(v, dir, settings)]),
    );
    expect(entry?.startsWith(dir)).toBe(true);
    const server = await env.server({ bin: entry, args, env: settingsEnv });

    expect(server.client.getServerVersion()).toMatchObject({ name: pkg.name, version: pkg.version });
    const { tools } = await server.client.listTools();
    expect(tools).toHaveLength(11);
    expect(tools.map((t) => t.name).sort()).toEqual(manifest.tools.map((t) => t.name).sort());

    const listed = ok<{ sites: Array<{ partition: string }> }>(
      await server.client.callTool({ name: 'list_sites', arguments: {} }),
    );
    expect(env.tabs()).toBe(1); // signed in through the scripted browser
    expect(new Set(listed.sites.map((s) => s.partition))).toEqual(new Set(['us', 'eu']));
    await server.close();
  });
});

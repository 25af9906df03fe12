// The pure parts of `npm run mcpb`: which native builds a bundle for each platform carries, what
// every platform gets alike, the bundle's name, the manifest's tool lines, and server.json's
// build-decided fields.
import { describe, expect, it } from 'vitest';
import { firstSentence } from '../../scripts/mcpb/manifest.js';
import {
  bundleFileName,
  type LockPackages,
  nativePathsFor,
  PLATFORMS,
  type Platform,
  portablePaths,
} from '../../scripts/mcpb/platforms.js';
import { withBundle } from '../../scripts/mcpb/server-json.js';

const build = (os: string, cpu: string, libc?: string) => ({
  version: '2.1.2',
  optional: true,
  os: [os],
  cpu: [cpu],
  ...(libc ? { libc: [libc] } : {}),
});

const lock: LockPackages = {
  '': { name: 'hostsmith-mcp' },
  'node_modules/@napi-rs/keyring': { version: '2.1.2' },
  'node_modules/@napi-rs/keyring-darwin-arm64': build('darwin', 'arm64'),
  'node_modules/@napi-rs/keyring-darwin-x64': build('darwin', 'x64'),
  'node_modules/@napi-rs/keyring-win32-x64-msvc': build('win32', 'x64'),
  'node_modules/@napi-rs/keyring-win32-arm64-msvc': build('win32', 'arm64'),
  'node_modules/@napi-rs/keyring-win32-ia32-msvc': build('win32', 'ia32'),
  'node_modules/@napi-rs/keyring-linux-x64-gnu': build('linux', 'x64', 'glibc'),
  'node_modules/@napi-rs/keyring-linux-arm64-gnu': build('linux', 'arm64', 'glibc'),
  'node_modules/@napi-rs/keyring-linux-x64-musl': build('linux', 'x64', 'musl'),
  'node_modules/@napi-rs/keyring-linux-riscv64-gnu': build('linux', 'riscv64', 'glibc'),
  'node_modules/@napi-rs/keyring-freebsd-x64': build('freebsd', 'x64'),
  'node_modules/zod': { version: '4.6.7' },
  'node_modules/a/node_modules/b': { version: '1.0.0' },
  'node_modules/vitest': { version: '4.1.12', dev: true },
  'node_modules/fsevents': { version: '2.3.3', dev: true, optional: true, os: ['darwin'] },
};

const expected: Record<Platform, string[]> = {
  darwin: ['keyring-darwin-arm64', 'keyring-darwin-x64'],
  win32: ['keyring-win32-arm64-msvc', 'keyring-win32-x64-msvc'],
  linux: ['keyring-linux-arm64-gnu', 'keyring-linux-x64-gnu'],
};

describe('mcpb build', () => {
  it.each(
    PLATFORMS,
  )('a %s bundle carries that platform’s builds for its desktop CPUs (and glibc) only', (platform) => {
    expect(nativePathsFor(lock, platform)).toEqual(
      expected[platform].map((n) => `node_modules/@napi-rs/${n}`),
    );
  });

  it('gives every platform the same portable production packages: no platform build, no dev package', () => {
    expect(portablePaths(lock)).toEqual([
      'node_modules/@napi-rs/keyring',
      'node_modules/a/node_modules/b',
      'node_modules/zod',
    ]);
  });

  it('names the bundle by version, and by platform for a one-platform bundle', () => {
    expect(bundleFileName('hostsmith-mcp', '1.2.3')).toBe('hostsmith-mcp-1.2.3.mcpb');
    expect(bundleFileName('hostsmith-mcp', '1.2.3', 'win32')).toBe('hostsmith-mcp-1.2.3-win32.mcpb');
  });

  it("lists a tool by its description's first sentence", () => {
    expect(firstSentence('Create an empty site. The name must be unique.')).toBe('Create an empty site.');
    expect(firstSentence('List sites (e.g. us)\n  across partitions')).toBe(
      'List sites (e.g. us) across partitions',
    );
    expect(firstSentence(undefined)).toBeUndefined();
  });

  it("brings server.json's versions, bundle name and sha256 to the build's, leaving the rest", () => {
    const doc = {
      name: 'net.hostsmith/hostsmith-mcp',
      version: '0.1.0',
      packages: [
        { registryType: 'npm', identifier: 'hostsmith-mcp', version: '0.1.0' },
        {
          registryType: 'mcpb',
          identifier: 'https://github.com/o/r/releases/download/v0.1.0/hostsmith-mcp-0.1.0.mcpb',
          version: '0.1.0',
          fileSha256: '0'.repeat(64),
        },
      ],
    };
    const sha256 = 'a'.repeat(64);
    expect(withBundle(doc, { version: '0.2.0', fileName: 'hostsmith-mcp-0.2.0.mcpb', sha256 })).toEqual({
      name: 'net.hostsmith/hostsmith-mcp',
      version: '0.2.0',
      packages: [
        { registryType: 'npm', identifier: 'hostsmith-mcp', version: '0.2.0' },
        {
          registryType: 'mcpb',
          identifier: 'https://github.com/o/r/releases/download/v0.2.0/hostsmith-mcp-0.2.0.mcpb',
          version: '0.2.0',
          fileSha256: sha256,
        },
      ],
    });
  });
});

// Which native packages a Claude Desktop bundle carries, read from package-lock.json: a package
// with `os`/`cpu` fields is one platform's build of a native binding (today only
// @napi-rs/keyring-*). Pure functions of the lock and the platform, so they are tested for all
// three platforms on any machine.

export type Platform = 'darwin' | 'win32' | 'linux';
export const PLATFORMS: readonly Platform[] = ['darwin', 'win32', 'linux'];

/**
 * The CPUs we ship a binary for on each platform: the ones Claude Desktop (and Node on a desktop)
 * runs on. Windows on ia32, 32-bit ARM Linux and RISC-V are left out: no Desktop build exists for them.
 */
export const CPUS: Record<Platform, readonly string[]> = {
  darwin: ['arm64', 'x64'],
  win32: ['x64', 'arm64'],
  linux: ['x64', 'arm64'],
};

/**
 * The C libraries we ship a Linux binary for: glibc only. Desktop apps (and Claude Desktop's
 * Linux ports) run on glibc distributions; musl builds (Alpine) would add 2.6 MiB to the bundle for nobody.
 */
export const LIBCS: readonly string[] = ['glibc'];

export interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

export type LockPackages = Record<string, LockEntry>;

/** "node_modules/@scope/name" or "node_modules/a/node_modules/b" → the package's own name. */
export function packageName(lockPath: string): string {
  const last = lockPath.lastIndexOf('node_modules/');
  return lockPath.slice(last + 'node_modules/'.length);
}

export function isPlatformBuild(entry: LockEntry): boolean {
  return Boolean(entry.os?.length || entry.cpu?.length);
}

/** Every lock path that the published package installs on some machine (no dev-only package). */
export function productionPaths(lock: LockPackages): string[] {
  return Object.keys(lock)
    .filter((path) => path.startsWith('node_modules/') && !lock[path]?.dev)
    .sort();
}

/** The production packages every platform gets alike: what is not one platform's build. */
export function portablePaths(lock: LockPackages): string[] {
  return productionPaths(lock).filter((path) => !isPlatformBuild(lock[path] ?? {}));
}

/** The platform builds a bundle for `platform` must carry: its OS, a CPU and a C library it ships for. */
export function nativePathsFor(lock: LockPackages, platform: Platform): string[] {
  return productionPaths(lock).filter((path) => {
    const entry = lock[path] ?? {};
    if (!isPlatformBuild(entry)) return false;
    const osOk = !entry.os || entry.os.includes(platform);
    const cpuOk = !entry.cpu || entry.cpu.some((cpu) => CPUS[platform].includes(cpu));
    const libcOk = !entry.libc || entry.libc.some((libc) => LIBCS.includes(libc));
    return osOk && cpuOk && libcOk;
  });
}

/** hostsmith-mcp-0.1.0.mcpb for the bundle that runs everywhere, hostsmith-mcp-0.1.0-darwin.mcpb for one platform. */
export function bundleFileName(name: string, version: string, platform?: Platform): string {
  return `${name}-${version}${platform ? `-${platform}` : ''}.mcpb`;
}

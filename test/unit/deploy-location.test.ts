// Where deploy_directory's `directory` points on each platform (pure: platform, home and working
// directory are parameters), and the words a refused read gets on each platform.
import { describe, expect, it } from 'vitest';
import { DeployError } from '../../src/deploy/errors.js';
import { resolveDirectory, windowsSpelling } from '../../src/deploy/location.js';
import { permissionDenied, permissionHelp } from '../../src/deploy/permission.js';

const linux = { platform: 'linux', home: '/home/ada', cwd: '/srv/app' } as const;
const darwin = { platform: 'darwin', home: '/Users/ada', cwd: '/Applications/Claude.app' } as const;
const win32 = { platform: 'win32', home: 'C:\\Users\\ada', cwd: 'C:\\Program Files\\Claude' } as const;
const WHERE = { linux, darwin, win32 };

function refusal(directory: string): DeployError {
  try {
    resolveDirectory(directory, win32);
  } catch (err) {
    expect(err).toBeInstanceOf(DeployError);
    return err as DeployError;
  }
  throw new Error(`expected ${directory} to be refused on win32`);
}

describe('resolveDirectory', () => {
  it.each([
    ['linux', '~', '/home/ada', false],
    ['linux', '~/blog/dist', '/home/ada/blog/dist', false],
    ['linux', '/var/www/site', '/var/www/site', false],
    ['linux', 'dist', '/srv/app/dist', true],
    ['linux', './dist/../out', '/srv/app/out', true],
    // On POSIX a backslash is part of a name: `~\blog` is a folder of that name, relative.
    ['linux', '~\\blog', '/srv/app/~\\blog', true],
    ['linux', '~ada/blog', '/srv/app/~ada/blog', true],
    ['darwin', '~', '/Users/ada', false],
    ['darwin', '~/Desktop/site', '/Users/ada/Desktop/site', false],
    ['darwin', '/Users/ada/blog/dist', '/Users/ada/blog/dist', false],
    ['darwin', 'site', '/Applications/Claude.app/site', true],
    ['win32', '~', 'C:\\Users\\ada', false],
    ['win32', '~\\blog\\dist', 'C:\\Users\\ada\\blog\\dist', false],
    ['win32', '~/blog/dist', 'C:\\Users\\ada\\blog\\dist', false],
    ['win32', 'C:\\Users\\ada\\blog\\dist', 'C:\\Users\\ada\\blog\\dist', false],
    ['win32', 'D:/sites/blog', 'D:\\sites\\blog', false],
    ['win32', '\\\\nas\\share\\site', '\\\\nas\\share\\site', false],
    ['win32', 'blog\\dist', 'C:\\Program Files\\Claude\\blog\\dist', true],
  ] as const)('%s: %s → %s', (platform, directory, root, relative) => {
    expect(resolveDirectory(directory, WHERE[platform])).toEqual({ root, relative });
  });

  it.each([
    ['/c/Users/ada/blog/dist', 'Git Bash', 'C:\\Users\\ada\\blog\\dist'],
    ['/d', 'Git Bash', 'D:\\'],
    ['/mnt/c/Users/ada/blog', 'WSL', 'C:\\Users\\ada\\blog'],
    ['/mnt/e/', 'WSL', 'E:\\'],
    ['/cygdrive/c/Users/ada/site/', 'Cygwin', 'C:\\Users\\ada\\site'],
  ])('win32 refuses %s (%s), showing %s', (directory, shell, spelling) => {
    const err = refusal(directory);
    expect(err.code).toBe('WRONG_PATH_STYLE');
    expect(err.message).toContain(`"${directory}"`);
    expect(err.message).toContain(shell);
    expect(err.message).toMatch(
      new RegExp(`Windows spelling of the same folder: ${spelling.replaceAll('\\', '\\\\')}$`),
    );
  });

  it('the same Unix paths are ordinary folders on linux and darwin (WSL itself is linux)', () => {
    expect(resolveDirectory('/mnt/c/Users/ada', linux)).toEqual({
      root: '/mnt/c/Users/ada',
      relative: false,
    });
    expect(resolveDirectory('/c/site', darwin)).toEqual({ root: '/c/site', relative: false });
  });

  it('windowsSpelling leaves other paths alone', () => {
    for (const p of ['/mnt', '/mnt/wsl/x', '/cc/x', '/var/www', 'C:\\x', 'c/Users'])
      expect(windowsSpelling(p), p).toBeUndefined();
  });
});

describe('permission help', () => {
  it('darwin points at Privacy & Security for the host app', () => {
    const help = permissionHelp('darwin');
    expect(help).toContain('System Settings → Privacy & Security → Files and Folders');
    expect(help).toContain('Full Disk Access');
    expect(help).toMatch(/Claude, Cursor, VS Code/);
    expect(help).toMatch(/Desktop, Documents and Downloads/);
  });

  it('linux and win32 point at the folder permissions, not at macOS', () => {
    for (const platform of ['linux', 'win32'] as const) {
      const help = permissionHelp(platform);
      expect(help, platform).toMatch(/folder's permissions/);
      expect(help, platform).not.toMatch(/Privacy|System Settings/);
    }
    expect(permissionHelp('win32')).toMatch(/Properties → Security/);
    expect(permissionHelp('linux')).toMatch(/chmod/);
  });

  it('the error names the path, the errno and the help', () => {
    const cause = Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
    const err = permissionDenied('darwin', 'folder', '/Users/ada/Desktop/site', cause);
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.message).toBe(
      `The system did not let this server read the folder /Users/ada/Desktop/site (EPERM). ${permissionHelp('darwin')}`,
    );
  });
});

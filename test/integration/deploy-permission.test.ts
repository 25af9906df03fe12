// A folder or file the OS will not let the server read gets an error that says how to allow it.
// Root reads anything, and CI runs as root: so the walk runs in a child process as `nobody`
// (setpriv, util-linux), on folders made unreadable with chmod 000 inside a temp dir that nobody
// can enter (0755). Where the test cannot drop root (no setpriv), it fails: it never skips.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { permissionHelp } from '../../src/deploy/permission.js';
import { asNobody, readableRoot } from '../helpers/as-nobody.js';

// The sources the child imports, where nobody can read them (see as-nobody.ts).
const ROOT = readableRoot();
const run = promisify(execFile);

const base = await fs.mkdtemp(join(tmpdir(), 'deploy-perm-'));
await fs.chmod(base, 0o755); // mkdtemp makes it 0700: nobody could not even reach the cases
const locked: string[] = [];
afterAll(async () => {
  for (const path of locked) await fs.chmod(path, 0o755);
  await fs.rm(base, { recursive: true, force: true });
});

async function lock(path: string): Promise<string> {
  await fs.chmod(path, 0o000);
  locked.push(path);
  return path;
}

// site/locked: a subfolder nobody may list; blocked: the folder itself; files/secret.html: a
// file nobody may read (the walk only lists and stats, so hashing is where it is found); open:
// a folder anyone may read.
for (const f of [
  'site/index.html',
  'site/locked/page.html',
  'blocked/index.html',
  'files/index.html',
  'files/secret.html',
  'open/index.html',
]) {
  // Modes set outright: a strict umask (077) must not lock nobody out of the readable cases.
  await fs.mkdir(join(base, f, '..'), { recursive: true });
  await fs.chmod(join(base, f, '..'), 0o755);
  await fs.writeFile(join(base, f), 'x');
  await fs.chmod(join(base, f), 0o644);
}
await lock(join(base, 'site/locked'));
await lock(join(base, 'blocked'));
await lock(join(base, 'files/secret.html'));

// The child: walk and hash each case through tsx (the same engine the tool runs), print results.
const script = join(base, 'walk-as-nobody.mjs');
await fs.writeFile(
  script,
  `import { walkDirectory } from ${JSON.stringify(join(ROOT, 'src/deploy/walk.ts'))};
import { hashFiles } from ${JSON.stringify(join(ROOT, 'src/deploy/hash.ts'))};
const out = { uid: process.getuid() };
for (const [name, dir, platform] of JSON.parse(process.argv[2])) {
  try {
    const walked = await walkDirectory(dir, { platform });
    await hashFiles(walked.files, { platform });
    out[name] = { ok: true };
  } catch (err) {
    out[name] = { code: err.code, message: err.message };
  }
}
process.stdout.write(JSON.stringify(out));
`,
);
await fs.chmod(script, 0o644);

interface Outcome {
  ok?: true;
  code?: string;
  message?: string;
}

async function walkAsNobody(cases: [string, string, NodeJS.Platform][]): Promise<Record<string, Outcome>> {
  const node = [process.execPath, '--import', 'tsx', script, JSON.stringify(cases)];
  // Root must drop to nobody; anyone else is already bound by the modes.
  const argv = [...asNobody(), ...node];
  const { stdout } = await run(argv[0] ?? '', argv.slice(1), {
    cwd: ROOT,
    env: { ...process.env, HOME: base },
    timeout: 30_000,
  }).catch((err: unknown) => {
    throw new Error(
      `Could not run the walk as an unprivileged user (${argv.slice(0, 4).join(' ')} …): ${String(err)}. ` +
        'This test needs setpriv (util-linux) when run as root; it does not skip.',
    );
  });
  return JSON.parse(stdout) as Record<string, Outcome>;
}

describe('a folder the OS will not let us read', () => {
  it('names the folder or file and says how to allow it, as nobody', async () => {
    const out = await walkAsNobody([
      ['subfolder', join(base, 'site'), 'linux'],
      ['folder', join(base, 'blocked'), 'linux'],
      ['file', join(base, 'files'), 'linux'],
      ['darwin', join(base, 'blocked'), 'darwin'],
      ['control', join(base, 'open'), 'linux'],
    ]);
    expect(out.uid).not.toBe(0);
    expect(out.control).toEqual({ ok: true }); // the child walks what it may read
    expect(out.subfolder).toEqual({
      code: 'PERMISSION_DENIED',
      message: `The system did not let this server read the folder ${join(base, 'site/locked')} (EACCES). ${permissionHelp('linux')}`,
    });
    expect(out.folder).toEqual({
      code: 'PERMISSION_DENIED',
      message: `The system did not let this server read the folder ${join(base, 'blocked')} (EACCES). ${permissionHelp('linux')}`,
    });
    expect(out.file).toEqual({
      code: 'PERMISSION_DENIED',
      message: `The system did not let this server read the file ${join(base, 'files/secret.html')} (EACCES). ${permissionHelp('linux')}`,
    });
    expect(out.darwin?.message).toContain('System Settings → Privacy & Security → Files and Folders');
  });
});

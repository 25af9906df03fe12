// Children that must be refused by the OS. CI runs as root, and root reads and writes anything, so
// such a child drops to `nobody` with setpriv (util-linux); a test that cannot do that fails, it
// never skips. nobody must still read the code it runs, and a clone may sit where only root can
// enter (`mktemp -d` makes 0700 folders; /root is 0700): so, as root, the code is mirrored once per
// test process into a world-readable temp folder (hard links where the file system allows, else
// copies) and the child runs it from there.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './mcp-server.js';

export const NOBODY = 65534;

/** Whether this process must drop privileges for the OS to refuse anything. */
export const isRoot = process.getuid?.() === 0;

/** setpriv's words that run the rest of an argv as nobody; nothing when not root. */
export function asNobody(): string[] {
  return isRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] : [];
}

/** What a child needs to run the server (bin, dist) or the sources through tsx. */
const MIRRORED = ['package.json', 'tsconfig.json', 'bin', 'dist', 'src', 'node_modules'];
let mirror: string | undefined;

/** The repository root nobody can read: ROOT itself unless root, else a mirror of it. */
export function readableRoot(): string {
  if (!isRoot) return ROOT;
  if (mirror) return mirror;
  const dir = mkdtempSync(join(tmpdir(), 'hostsmith-nobody-'));
  chmodSync(dir, 0o755);
  for (const entry of MIRRORED) {
    const from = join(ROOT, entry);
    try {
      execFileSync('cp', ['-al', from, dir], { stdio: 'ignore' });
    } catch {
      execFileSync('cp', ['-a', from, dir], { stdio: 'ignore' });
    }
  }
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  mirror = dir;
  return dir;
}

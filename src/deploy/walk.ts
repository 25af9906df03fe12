// Walk a local folder into the list of files a deploy would publish, with their site paths.
//
// What is left out is ./ignore.ts's one list. Site paths are NFC, whatever the disk holds: macOS
// writes accented names decomposed (NFD), and every link, browser and other OS writes them
// composed, so `cafe\u0301.html` published as is would sit at a URL nobody ever requests. The
// bytes are still read under the name on disk. Two names that become the same site path are
// refused, naming both, before anything is sent.
//
// Symlinks: one whose target is inside the folder is followed (a file link deploys the target's
// bytes under the link's path; a folder link is walked, unless it loops back to an ancestor).
// One whose target is outside the folder is an error that names it: a deploy publishes exactly
// the folder, never whatever a link happens to reach.
import { type BigIntStats, type Dirent, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { isValidDeployPath, MAX_FILE_BYTES } from '../hostsmith/deploys.js';
import { type FileStamp, stampOf } from './digest-rule.js';
import { DeployError } from './errors.js';
import { isIgnoredName } from './ignore.js';
import { resolveDirectory } from './location.js';
import { isPermissionError, permissionDenied } from './permission.js';
import { statMany } from './stat-many.js';

export interface LocalFile {
  /** The site path: relative, `/`-separated. */
  path: string;
  /** Where the bytes are read from (a symlink's resolved target). */
  source: string;
  size: number;
  /** Its stamp when listed, for the digest cache (./digest-rule.ts). */
  stamp?: FileStamp;
}

export interface WalkResult {
  /** The absolute folder that was walked. */
  root: string;
  /** true when `directory` was relative and was resolved against the working directory. */
  resolvedRelative: boolean;
  /** Sorted by path. */
  files: LocalFile[];
  /** Site paths left out by the ignore rule (folders are listed once, not their contents). */
  skipped: string[];
}

function isInside(root: string, target: string): boolean {
  if (target === root) return true;
  const rel = relative(root, target);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function errno(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** A name with everything outside printable ASCII escaped, so two look-alike names differ. */
function escaped(name: string): string {
  return name.replace(/[^\x20-\x7e]/gu, (c) => {
    const cp = c.codePointAt(0) ?? 0;
    return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

interface Frame {
  /** The real path of the folder being listed. */
  real: string;
  /** Its site path prefix, NFC ('' at the root, else ending in '/'). */
  prefix: string;
  /** The same prefix as named on disk, for messages. */
  disk: string;
  /** Real paths of it and its ancestors, to stop folder links that loop. */
  chain: readonly string[];
}

export interface WalkOptions {
  /** What a relative `directory` is resolved against; the process's working directory by default. */
  cwd?: string;
  /** Whose path rules and help texts apply; process.platform by default. */
  platform?: NodeJS.Platform;
  /** What `~` stands for; the user's home folder by default. */
  home?: string;
}

export async function walkDirectory(directory: string, opts: WalkOptions = {}): Promise<WalkResult> {
  const platform = opts.platform ?? process.platform;
  const { root, relative: resolvedRelative } = resolveDirectory(directory, {
    platform,
    home: opts.home ?? homedir(),
    cwd: opts.cwd ?? process.cwd(),
  });
  /** A refused read is the person's to allow; any other failure is reported with its errno. */
  const unreadable = (what: 'folder' | 'file', path: string, err: unknown): DeployError =>
    isPermissionError(err)
      ? permissionDenied(platform, what, path, err)
      : new DeployError('UNREADABLE', `The ${what} ${path} cannot be read (${errno(err) ?? String(err)})`, {
          cause: err,
        });

  let realRoot: string;
  try {
    const st = await fs.stat(root);
    if (!st.isDirectory()) {
      throw new DeployError(
        'NOT_A_DIRECTORY',
        `${root} is a file, not a folder; deploy_directory takes a folder`,
      );
    }
    realRoot = await fs.realpath(root);
  } catch (err) {
    if (err instanceof DeployError) throw err;
    if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') {
      throw new DeployError(
        'DIRECTORY_NOT_FOUND',
        `The folder ${root} does not exist on the machine where the Hostsmith MCP server runs`,
      );
    }
    throw unreadable('folder', root, err);
  }

  const files: LocalFile[] = [];
  const skipped: string[] = [];
  /** Site path → the name on disk it came from, to catch two names that normalize alike. */
  const taken = new Map<string, string>();
  const stack: Frame[] = [{ real: realRoot, prefix: '', disk: '', chain: [realRoot] }];

  const statOf = async (abs: string, shown: string): Promise<BigIntStats> => {
    try {
      return await fs.stat(abs, { bigint: true });
    } catch (err) {
      throw unreadable('file', shown, err);
    }
  };

  const addFile = (path: string, disk: string, source: string) => {
    if (!isValidDeployPath(path)) {
      throw new DeployError(
        'INVALID_PATH',
        `The file ${JSON.stringify(path)} cannot be deployed: a site path has at most 1024 characters and no backslash`,
      );
    }
    const other = taken.get(path);
    if (other !== undefined) {
      throw new DeployError(
        'PATH_COLLISION',
        `Two files in ${root} would be published at the same site path ${JSON.stringify(path)}: ${JSON.stringify(other)} and ${JSON.stringify(disk)}. The names differ only in how their characters are encoded (${escaped(other)} and ${escaped(disk)}: an accent composed into its letter, or written after it as macOS does). Rename or remove one of them, then deploy again.`,
      );
    }
    taken.set(path, disk);
    // Stated all at once when the folders are listed (./stat-many.ts: one by one through the
    // thread pool, 2,000 files took longer to list than the rest of an unchanged deploy).
    found.push({ path, disk, source });
  };
  const found: Array<{ path: string; disk: string; source: string }> = [];

  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(frame.real, { withFileTypes: true });
    } catch (err) {
      throw unreadable('folder', join(root, frame.disk.slice(0, -1)), err);
    }
    for (const entry of entries) {
      const path = `${frame.prefix}${entry.name.normalize('NFC')}`;
      const disk = `${frame.disk}${entry.name}`;
      if (isIgnoredName(entry.name)) {
        skipped.push(path);
        continue;
      }
      const abs = join(frame.real, entry.name);
      if (entry.isDirectory()) {
        stack.push({ real: abs, prefix: `${path}/`, disk: `${disk}/`, chain: [...frame.chain, abs] });
      } else if (entry.isFile()) {
        addFile(path, disk, abs);
      } else if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await fs.realpath(abs);
        } catch (err) {
          if (isPermissionError(err)) throw unreadable('file', join(root, disk), err);
          throw new DeployError(
            'BROKEN_SYMLINK',
            `The link ${disk} in ${root} points to nothing (${errno(err) ?? String(err)}); remove it or fix its target`,
            { cause: err },
          );
        }
        if (!isInside(realRoot, target)) {
          throw new DeployError(
            'PATH_OUTSIDE_DIRECTORY',
            `The link ${disk} points to ${target}, outside the folder ${root}; links are not followed out of the deployed folder (copy the file in, or remove the link)`,
          );
        }
        const st = await statOf(target, join(root, disk));
        if (st.isFile()) {
          addFile(path, disk, target);
        } else if (st.isDirectory()) {
          // A link back to the folder itself or to an ancestor would loop forever.
          if (frame.chain.includes(target)) skipped.push(path);
          else
            stack.push({
              real: target,
              prefix: `${path}/`,
              disk: `${disk}/`,
              chain: [...frame.chain, target],
            });
        }
      }
      // Sockets, FIFOs and devices are not files a website can serve: ignored silently.
    }
  }

  const stats = await statMany(
    found.map((f) => f.source),
    (i, err) => unreadable('file', join(root, found[i]?.disk ?? ''), err),
  );
  for (const [i, { path, source }] of found.entries()) {
    const st = stats[i] as BigIntStats;
    const size = Number(st.size);
    if (size > MAX_FILE_BYTES) {
      throw new DeployError(
        'FILE_TOO_LARGE',
        `The file ${path} is ${mib(size)} (${size} bytes); Hostsmith accepts at most 25 MiB per file`,
      );
    }
    files.push({ path, source, size, stamp: stampOf(st) });
  }
  if (files.length === 0) {
    const left = skipped.length > 0 ? ` (left out: ${skipped.slice(0, 5).join(', ')})` : '';
    throw new DeployError('EMPTY_DIRECTORY', `The folder ${root} holds no files to deploy${left}`);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  skipped.sort();
  return { root, resolvedRelative, files, skipped };
}

// Walk a local folder into the list of files a deploy would publish, with their site paths.
//
// What is left out, and why (netlify's rule, which is stricter than wrangler's): every name
// that starts with a dot except `.well-known` (so `.git`, `.env`, `.DS_Store`, `.npmrc` never
// end up on a public website by accident), plus `node_modules`, `__MACOSX` and `Thumbs.db`.
// Wrangler only drops `.git`, `.DS_Store` and `node_modules`; publishing a forgotten `.env` is
// the worse surprise, and `.well-known` stays because sites need it (security.txt, ACME).
//
// Symlinks: one whose target is inside the folder is followed (a file link deploys the target's
// bytes under the link's path; a folder link is walked, unless it loops back to an ancestor).
// One whose target is outside the folder is an error that names it: a deploy publishes exactly
// the folder, never whatever a link happens to reach.
import { type Dirent, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isValidDeployPath, MAX_FILE_BYTES } from '../hostsmith/deploys.js';
import { DeployError } from './errors.js';

export interface LocalFile {
  /** The site path: relative, `/`-separated. */
  path: string;
  /** Where the bytes are read from (a symlink's resolved target). */
  source: string;
  size: number;
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

const IGNORED = new Set(['node_modules', '__MACOSX', 'Thumbs.db']);

/** Whether a file or folder name is left out of a deploy (see the header). */
export function isIgnoredName(name: string): boolean {
  if (IGNORED.has(name)) return true;
  return name.startsWith('.') && name !== '.well-known';
}

/** Absolute paths stay; `~/x` is the home folder's; anything else is relative to `cwd`. */
export function resolveDirectory(directory: string, cwd: string): { root: string; relative: boolean } {
  if (directory === '~' || directory.startsWith('~/')) {
    return { root: resolve(homedir(), directory.slice(2)), relative: false };
  }
  if (isAbsolute(directory)) return { root: resolve(directory), relative: false };
  return { root: resolve(cwd, directory), relative: true };
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

async function readDir(dir: string, shown: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new DeployError('UNREADABLE', `The folder ${shown} cannot be read (${errno(err) ?? String(err)})`, {
      cause: err,
    });
  }
}

interface Frame {
  /** The real path of the folder being listed. */
  real: string;
  /** Its site path prefix ('' at the root, else ending in '/'). */
  prefix: string;
  /** Real paths of it and its ancestors, to stop folder links that loop. */
  chain: readonly string[];
}

export interface WalkOptions {
  /** What a relative `directory` is resolved against; the process's working directory by default. */
  cwd?: string;
}

export async function walkDirectory(directory: string, opts: WalkOptions = {}): Promise<WalkResult> {
  const { root, relative: resolvedRelative } = resolveDirectory(directory, opts.cwd ?? process.cwd());
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
    throw new DeployError('UNREADABLE', `The folder ${root} cannot be read (${errno(err) ?? String(err)})`, {
      cause: err,
    });
  }

  const files: LocalFile[] = [];
  const skipped: string[] = [];
  const stack: Frame[] = [{ real: realRoot, prefix: '', chain: [realRoot] }];

  const addFile = async (path: string, source: string) => {
    if (!isValidDeployPath(path)) {
      throw new DeployError(
        'INVALID_PATH',
        `The file ${JSON.stringify(path)} cannot be deployed: a site path has at most 1024 characters and no backslash`,
      );
    }
    const { size } = await fs.stat(source);
    if (size > MAX_FILE_BYTES) {
      throw new DeployError(
        'FILE_TOO_LARGE',
        `The file ${path} is ${mib(size)} (${size} bytes); Hostsmith accepts at most 25 MiB per file`,
      );
    }
    files.push({ path, source, size });
  };

  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const shown = join(root, frame.prefix);
    for (const entry of await readDir(frame.real, shown)) {
      const path = `${frame.prefix}${entry.name}`;
      if (isIgnoredName(entry.name)) {
        skipped.push(path);
        continue;
      }
      const abs = join(frame.real, entry.name);
      if (entry.isDirectory()) {
        stack.push({ real: abs, prefix: `${path}/`, chain: [...frame.chain, abs] });
      } else if (entry.isFile()) {
        await addFile(path, abs);
      } else if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await fs.realpath(abs);
        } catch (err) {
          throw new DeployError(
            'BROKEN_SYMLINK',
            `The link ${path} in ${root} points to nothing (${errno(err) ?? String(err)}); remove it or fix its target`,
            { cause: err },
          );
        }
        if (!isInside(realRoot, target)) {
          throw new DeployError(
            'PATH_OUTSIDE_DIRECTORY',
            `The link ${path} points to ${target}, outside the folder ${root}; links are not followed out of the deployed folder (copy the file in, or remove the link)`,
          );
        }
        const st = await fs.stat(target);
        if (st.isFile()) {
          await addFile(path, target);
        } else if (st.isDirectory()) {
          // A link back to the folder itself or to an ancestor would loop forever.
          if (frame.chain.includes(target)) skipped.push(path);
          else stack.push({ real: target, prefix: `${path}/`, chain: [...frame.chain, target] });
        }
      }
      // Sockets, FIFOs and devices are not files a website can serve: ignored silently.
    }
  }

  if (files.length === 0) {
    const left = skipped.length > 0 ? ` (left out: ${skipped.slice(0, 5).join(', ')})` : '';
    throw new DeployError('EMPTY_DIRECTORY', `The folder ${root} holds no files to deploy${left}`);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  skipped.sort();
  return { root, resolvedRelative, files, skipped };
}

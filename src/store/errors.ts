// Store failures in words for people: which path, what is wrong, what to do. The system's own
// message (EACCES: permission denied, mkdir …) is kept only as the cause.
import { FileBusyError } from './replace.js';

export type StoreErrorCode =
  | 'STORE_UNREADABLE'
  | 'STORE_LOCK_FAILED'
  | 'STORE_WRITE_FAILED'
  /** A symlink or a non-regular file where the store keeps its own files: refused. */
  | 'STORE_UNSAFE';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

const ELSEWHERE = 'or keep credentials elsewhere with --config-dir (or HOSTSMITH_MCP_CONFIG_DIR)';

/** What is wrong and what to do, per system error code. */
function advice(code: string | undefined, path: string, raw: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `the system denies permission (${code}). Make sure your user owns that folder and may write to it (for example: chown -R "$USER" and chmod u+rwx on it), ${ELSEWHERE}.`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `a part of that path is a file, not a folder (${code}). Move that file away, ${ELSEWHERE}.`;
    case 'EROFS':
      return 'the file system is read-only (EROFS). Keep credentials on a writable disk with --config-dir (or HOSTSMITH_MCP_CONFIG_DIR).';
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk is full (${code}). Free some space, then try again.`;
    case 'ELOOP':
      return `${path} is a symbolic link (ELOOP). Remove the link, then try again.`;
    default:
      return `${raw}. Check that folder, ${ELSEWHERE}, then try again.`;
  }
}

/** `Cannot <doing> <path>: <what is wrong and what to do>`; a FileBusyError already says so. */
export function storeErrorFor(
  doing: string,
  path: string,
  error: unknown,
  code: StoreErrorCode = 'STORE_WRITE_FAILED',
): StoreError {
  if (error instanceof StoreError) return error;
  if (error instanceof FileBusyError) return new StoreError(code, error.message, { cause: error });
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const raw = error instanceof Error ? error.message : String(error);
  return new StoreError(code, `Cannot ${doing} ${path}: ${advice(errno, path, raw)}`, { cause: error });
}

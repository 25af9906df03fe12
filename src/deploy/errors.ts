// Errors of the deploy engine that concern the local folder. Their messages are written for the
// model (they end up as tool errors): say what is wrong with which file and what to do.

export type DeployErrorCode =
  | 'DIRECTORY_NOT_FOUND'
  | 'NOT_A_DIRECTORY'
  | 'EMPTY_DIRECTORY'
  | 'FILE_TOO_LARGE'
  | 'PATH_OUTSIDE_DIRECTORY'
  | 'BROKEN_SYMLINK'
  | 'INVALID_PATH'
  | 'UNREADABLE'
  | 'PERMISSION_DENIED'
  | 'WRONG_PATH_STYLE'
  | 'PATH_COLLISION'
  | 'FILE_CHANGED'
  | 'MISSING_BLOBS';

export class DeployError extends Error {
  constructor(
    readonly code: DeployErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeployError';
  }
}

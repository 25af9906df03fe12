// Opaque cursors for the list tools: base64url JSON that only this server reads back.
import type * as z from 'zod/v4';

export class CursorError extends Error {
  readonly code = 'INVALID_CURSOR' as const;
}

export const NOT_OUR_CURSOR =
  'cursor: not a cursor this tool returned; pass nextCursor exactly as given, or omit it';

export function sealCursor(state: unknown): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

/** The state a cursor carries, or a CursorError that says what to pass instead. */
export function openCursor<T extends z.ZodType>(schema: T, cursor: string): z.infer<T> {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new CursorError(NOT_OUR_CURSOR);
  }
}

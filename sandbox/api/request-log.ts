// What the sandbox saw: one entry per request on either listener (the window's /_sandbox calls
// excepted). Paths only, never query strings, so no code or token lands here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Partition } from '../types.js';

export interface RequestLogEntry {
  time: string;
  server: 'api' | 'issuer';
  method: string;
  path: string;
  partition: Partition | null;
  /** null when the connection ended without an answer (a dropped request). */
  status: number | null;
  /** The signed-in user's email, when the request carried a valid token. */
  user: string | null;
  /** The injected fault that hit it, if any. */
  fault?: string;
}

const MAX_ENTRIES = 10_000;

/** Mutable facts the pipeline fills in while it handles the request. */
export interface LogContext {
  partition: Partition | null;
  user: string | null;
  fault?: string;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  /** Starts an entry; it is written when the response finishes or the connection closes. */
  track(server: 'api' | 'issuer', req: IncomingMessage, res: ServerResponse, path: string): LogContext {
    const ctx: LogContext = { partition: null, user: null };
    const time = new Date().toISOString();
    const method = req.method ?? 'GET';
    let done = false;
    const write = (status: number | null) => {
      if (done) return;
      done = true;
      const entry: RequestLogEntry = {
        time,
        server,
        method,
        path,
        partition: ctx.partition,
        status,
        user: ctx.user,
      };
      if (ctx.fault) entry.fault = ctx.fault;
      this.entries.push(entry);
      if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    };
    res.once('finish', () => write(res.statusCode));
    res.once('close', () => write(res.writableFinished ? res.statusCode : null));
    return ctx;
  }

  list(): RequestLogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries = [];
  }
}

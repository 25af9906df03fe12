// The stdio framing in front of the SDK's transport. The SDK's read buffer closes the whole
// transport when one message outgrows it, which leaves the server deaf (or gone) and the client
// waiting. This stream cuts stdin into lines, each within the limit, and hands each on: as the
// message check() read from it (serve: delivered, never parsed again), or as one chunk per line;
// a longer line is dropped while it streams past (never held in memory) and answered with
// -32600, carrying the request's id when its top level names one.
import { Transform, type TransformCallback } from 'node:stream';
import { ProtocolErrorCode } from '@modelcontextprotocol/server';
import { TopLevelIdScanner } from './id-scan.js';

/** A JSON-RPC error to write back instead of passing a line on. */
export interface Refusal {
  id: string | number | null;
  code: number;
  message: string;
}

/** A line already read into a message: handed to `deliver` instead of being passed on as bytes. */
export interface Read {
  read: unknown;
}

/** What to do with a line that fits: pass it on, hand over what it read, drop it, or answer it. */
export type Verdict = 'pass' | Read | 'drop' | Refusal;

export interface LineFrameOptions {
  /** The most bytes a line may hold before its newline (a CR before it counts). */
  maxLineBytes: number;
  /** Called with every refusal, in input order; the caller writes it to the client. */
  refuse(refusal: Refusal, oversize: boolean): void;
  /** Looks at each line that fits (without its newline); passes all when absent. */
  check?(line: Buffer): Verdict;
  /** Takes what check() read, in input order (a message read once, not parsed again downstream). */
  deliver?(message: unknown): void;
}

const NEWLINE = Buffer.from('\n');
const MiB = 1024 * 1024;

export class LineFrame extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while an over-limit line streams past. */
  private oversize: TopLevelIdScanner | undefined;

  constructor(private readonly options: LineFrameOptions) {
    // One pushed Buffer is one 'data' event: the transport's buffer then never holds two lines.
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      this.append(chunk, start, newline === -1 ? chunk.length : newline);
      if (newline === -1) break;
      this.endLine();
      start = newline + 1;
    }
    done();
  }

  // A line cut off by the end of input is no message (the SDK's transport agrees): dropped.
  override _flush(done: TransformCallback): void {
    this.pending = [];
    this.oversize = undefined;
    done();
  }

  private append(chunk: Buffer, start: number, end: number): void {
    if (start === end) return;
    if (this.oversize) {
      this.oversize.feed(chunk, start, end);
      return;
    }
    if (this.pendingBytes + (end - start) <= this.options.maxLineBytes) {
      this.pending.push(chunk.subarray(start, end));
      this.pendingBytes += end - start;
      return;
    }
    const scanner = new TopLevelIdScanner();
    for (const part of this.pending) scanner.feed(part);
    scanner.feed(chunk, start, end);
    this.oversize = scanner;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private endLine(): void {
    if (this.oversize) {
      const id = this.oversize.id();
      this.oversize = undefined;
      this.options.refuse(
        {
          id,
          code: ProtocolErrorCode.InvalidRequest,
          message: `request over ${size(this.options.maxLineBytes)}`,
        },
        true,
      );
      return;
    }
    // A line that came in one chunk (the usual case) is looked at without copying it.
    const parts = this.pending;
    const line = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    this.pending = [];
    this.pendingBytes = 0;
    const verdict = this.options.check?.(line) ?? 'pass';
    if (verdict === 'pass') this.push(Buffer.concat([line, NEWLINE]));
    else if (verdict === 'drop') return;
    else if ('read' in verdict) this.options.deliver?.(verdict.read);
    else this.options.refuse(verdict, false);
  }
}

function size(bytes: number): string {
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}

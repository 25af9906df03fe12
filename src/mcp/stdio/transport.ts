// The stdio transport `serve` speaks through: the SDK's StdioServerTransport, reading from the
// line frame instead of stdin itself. The frame keeps every line the transport sees within
// MAX_LINE_BYTES (so the SDK never closes itself on an oversized message) and answers what the
// SDK would drop; outgoing, schema failures of a request become -32602 (invalid-params.ts).
// Per call it stays cheap: a line is parsed and checked once (check.ts hands the message over
// read; the SDK's read buffer never sees it), and while other calls run, the answers of one
// event-loop turn leave in one write to stdout.
import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage, Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { MAX_UPLOAD_CALL_BYTES } from '../../hostsmith/deploys.js';
import type { Logger } from '../../log.js';
import { checkLine } from './check.js';
import { LineFrame, type Refusal } from './frame.js';
import { asInvalidParams } from './invalid-params.js';

const MiB = 1024 * 1024;

/**
 * The longest stdin line served: one upload_files call at its cap (MAX_UPLOAD_CALL_BYTES of
 * content is 33.3 MiB as base64) with room to spare for the envelope and the paths.
 */
export const MAX_LINE_BYTES = 36 * MiB;

export interface FramedStdioOptions {
  log: Logger;
  stdin?: Readable;
  stdout?: Writable;
  maxLineBytes?: number;
}

export class FramedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  /** Settles once the transport has closed: end of input, a broken stdout, or close(). */
  readonly closed: Promise<void>;
  private readonly inner: StdioServerTransport;
  private readonly stdin: Readable;
  private readonly stdout: Writable;
  private readonly frame: LineFrame;
  private reading = false;
  private ended = false;
  /** Requests delivered and not answered yet: while there are any, answers are batched. */
  private open = 0;
  /** Set while stdout is corked until the end of this event-loop turn (see send()). */
  private flushing: NodeJS.Immediate | undefined;

  constructor(options: FramedStdioOptions) {
    const { log } = options;
    const stdin = options.stdin ?? process.stdin;
    this.stdin = stdin;
    this.stdout = options.stdout ?? process.stdout;
    const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    const frame = new LineFrame({
      maxLineBytes,
      check: checkLine,
      // As the SDK's transport does with what its read buffer parsed: an error in a handler
      // is reported, and the next message still arrives.
      deliver: (message) => {
        if (this.ended) return;
        if (isRequest(message)) this.open += 1;
        // A cancelled call is not answered at all (the SDK drops its result).
        else if (isCancellation(message)) this.open = Math.max(0, this.open - 1);
        try {
          this.onmessage?.(message as JSONRPCMessage);
        } catch (error) {
          this.onerror?.(error as Error);
        }
      },
      refuse: (refusal, oversize) => {
        if (oversize) {
          log.warn(
            `stdin: refused a ${refusal.message} (JSON-RPC -32600). One upload_files call takes at most ${MAX_UPLOAD_CALL_BYTES / MiB} MiB of content; larger sites go through deploy_directory.`,
          );
        } else log.debug(`stdin: answered ${refusal.code}: ${refusal.message}`);
        this.refuse(refusal);
      },
    });
    this.frame = frame;
    // The SDK's transport writes, and closes on the end of the frame (it reads no message: the
    // frame delivers them). Its read buffer would hold one line, newline included, at most.
    this.inner = new StdioServerTransport(frame, this.stdout, { maxBufferSize: maxLineBytes + 1 });
    let settle: () => void = () => {};
    this.closed = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => {
      this.ended = true;
      // Stop reading: a paused stdin lets the process exit once the work is done.
      stdin.unpipe(frame);
      stdin.pause();
      settle();
      this.onclose?.();
    };
  }

  start(): Promise<void> {
    const started = this.inner.start();
    // Read only once started: a message read before would find no onmessage to take it.
    if (!this.reading) {
      this.reading = true;
      // pipe() rather than pipeline(): on close we let go of stdin without destroying it.
      this.stdin.pipe(this.frame);
      this.stdin.once('error', (error) => this.frame.destroy(error));
    }
    return started;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    if (!('method' in message) && 'id' in message) this.open = Math.max(0, this.open - 1);
    return this.write(asInvalidParams(message));
  }

  /**
   * While other calls still run, stdout's writes wait for the end of this event-loop turn, so
   * that answers finishing together (64 calls in flight) leave in one write: one syscall and one
   * wake-up of the client, not one each. The last open call's answer leaves at once, with any
   * held back: a lone call pays no wait. Only answers wait: a notification (progress) leaves at
   * once, with any answers held back before it, never in one write with the answer that follows
   * it — the SDK's client handles a notification a microtask after an answer read in the same
   * chunk, and by then the answer has removed the call's progress handler (the last progress
   * line of a deploy was lost so).
   */
  private write(message: JSONRPCMessage): Promise<void> {
    if ('method' in message) {
      this.flush();
      return this.inner.send(message);
    }
    if (this.open > 0 && !this.flushing) {
      this.stdout.cork();
      this.flushing = setImmediate(() => this.flush());
    }
    const sent = this.inner.send(message);
    if (this.open === 0) this.flush();
    return sent;
  }

  private flush(): void {
    if (!this.flushing) return;
    clearImmediate(this.flushing);
    this.flushing = undefined;
    this.stdout.uncork();
  }

  private refuse({ id, code, message }: Refusal): void {
    // JSON-RPC answers an unreadable request with `id: null`, which the SDK's type leaves out.
    const answer = { jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage;
    this.write(answer).catch((error: Error) => this.onerror?.(error));
  }
}

/** A JSON-RPC request (a notification has no id, a response no method). */
function isRequest(message: unknown): boolean {
  return typeof message === 'object' && message !== null && 'method' in message && 'id' in message;
}

function isCancellation(message: unknown): boolean {
  return (message as { method?: unknown }).method === 'notifications/cancelled';
}

// The stdio transport `serve` speaks through: the SDK's StdioServerTransport, reading from the
// line frame instead of stdin itself. The frame keeps every line the transport sees within
// MAX_LINE_BYTES (so the SDK never closes itself on an oversized message) and answers what the
// SDK would drop; outgoing, schema failures of a request become -32602 (invalid-params.ts).
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

  constructor(options: FramedStdioOptions) {
    const { log } = options;
    const stdin = options.stdin ?? process.stdin;
    const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    const frame = new LineFrame({
      maxLineBytes,
      check: checkLine,
      refuse: (refusal, oversize) => {
        if (oversize) {
          log.warn(
            `stdin: refused a ${refusal.message} (JSON-RPC -32600). One upload_files call takes at most ${MAX_UPLOAD_CALL_BYTES / MiB} MiB of content; larger sites go through deploy_directory.`,
          );
        } else log.debug(`stdin: answered ${refusal.code}: ${refusal.message}`);
        this.refuse(refusal);
      },
    });
    // pipe() rather than pipeline(): on close we let go of stdin without destroying it.
    stdin.pipe(frame);
    stdin.once('error', (error) => frame.destroy(error));
    // The SDK's read buffer holds one line at a time (one chunk per line), newline included.
    this.inner = new StdioServerTransport(frame, options.stdout ?? process.stdout, {
      maxBufferSize: maxLineBytes + 1,
    });
    let settle: () => void = () => {};
    this.closed = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.inner.onmessage = (message: JSONRPCMessage) => this.onmessage?.(message);
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => {
      // Stop reading: a paused stdin lets the process exit once the work is done.
      stdin.unpipe(frame);
      stdin.pause();
      settle();
      this.onclose?.();
    };
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    return this.inner.send(asInvalidParams(message));
  }

  private refuse({ id, code, message }: Refusal): void {
    // JSON-RPC answers an unreadable request with `id: null`, which the SDK's type leaves out.
    const answer = { jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage;
    this.inner.send(answer).catch((error: Error) => this.onerror?.(error));
  }
}

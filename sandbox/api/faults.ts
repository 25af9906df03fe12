// The knobs tests turn: added latency per partition, and faults for the next N requests that
// match a partition and/or a route (method + path prefix) on either listener.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod/v4';
import { PARTITIONS, type Partition } from '../types.js';
import { sendJson } from './http.js';

const PartitionSchema = z.enum(PARTITIONS as [Partition, ...Partition[]]);

const Match = {
  /** Which listener: the API and sites (default) or the authorization server. */
  server: z.enum(['api', 'issuer']).default('api'),
  partition: PartitionSchema.optional(),
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .optional(),
  /** Compared with the raw path (no query), e.g. "/v1/sites" or "/token". */
  pathPrefix: z.string().startsWith('/').optional(),
  /** How many matching requests it hits before it is used up. */
  count: z.number().int().min(1).default(1),
};

export const FaultSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    ...Match,
    kind: z.literal('status'),
    status: z.number().int().min(500).max(599).default(500),
    retryAfter: z.number().int().min(0).optional(),
  }),
  /** Destroy the socket without answering. */
  z.object({ ...Match, kind: z.literal('drop') }),
  /** Hold the request for `ms`, then handle it normally. */
  z.object({ ...Match, kind: z.literal('stall'), ms: z.number().int().min(0).max(600_000) }),
  /**
   * Handle the request now but hold its answer for `ms`: the work is done (a token rotated, a
   * site created) while the caller still waits — the window a caller that gives up falls into.
   */
  z.object({ ...Match, kind: z.literal('hold'), ms: z.number().int().min(0).max(600_000) }),
  /** Answer 200 with a body that is not JSON although it says so. */
  z.object({ ...Match, kind: z.literal('malformed') }),
]);
export type FaultSpecInput = z.input<typeof FaultSpecSchema>;
export type FaultSpec = z.output<typeof FaultSpecSchema>;
export type Fault = FaultSpec & { id: string; remaining: number };

export interface RequestFacts {
  server: 'api' | 'issuer';
  method: string;
  path: string;
  partition: Partition | null;
}

export class Knobs {
  private readonly latencyMs: Record<Partition, number> = { us: 0, eu: 0 };
  private faultList: Fault[] = [];
  private nextId = 1;

  setLatency(partition: Partition, ms: number): void {
    this.latencyMs[partition] = Math.max(0, ms);
  }

  latency(): Record<Partition, number> {
    return { ...this.latencyMs };
  }

  addFault(input: FaultSpecInput): Fault {
    const spec = FaultSpecSchema.parse(input);
    const fault: Fault = { ...spec, id: `fault_${this.nextId++}`, remaining: spec.count };
    this.faultList.push(fault);
    return { ...fault };
  }

  faults(): Fault[] {
    return this.faultList.map((f) => ({ ...f }));
  }

  clearFaults(): void {
    this.faultList = [];
  }

  /** Takes one use of the first fault that matches the request, if any. */
  takeFault(req: RequestFacts): Fault | null {
    const fault = this.faultList.find(
      (f) =>
        f.server === req.server &&
        (f.partition === undefined || f.partition === req.partition) &&
        (f.method === undefined || f.method === req.method) &&
        (f.pathPrefix === undefined || req.path.startsWith(f.pathPrefix)),
    );
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faultList = this.faultList.filter((f) => f !== fault);
    return { ...fault };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Applies a fault. Answers true when the request is finished (answered or dropped), false when
 * it should go on normally (a stall that has passed).
 */
export async function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'status': {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      const code = fault.status === 503 ? 'unavailable' : 'internal';
      sendJson(res, fault.status, { error: { code, message: `injected failure (${fault.id})` } }, headers);
      return true;
    }
    case 'drop':
      req.socket.destroy();
      return true;
    case 'stall':
      await sleep(fault.ms);
      return res.destroyed || req.socket.destroyed;
    case 'hold': {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        const timer = setTimeout(() => end(...args), fault.ms);
        // A caller gone meanwhile gets nothing; no timer outlives its connection.
        res.once('close', () => clearTimeout(timer));
        return res;
      }) as ServerResponse['end'];
      return false;
    }
    case 'malformed': {
      const body = '{"sites": [{"id": "site_';
      res
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length })
        .end(body);
      return true;
    }
  }
}

import * as z from 'zod/v4';
import type { Partition } from '../../auth/types.js';
import { SignInRequired } from '../../auth/types.js';
import type { HostsmithClient } from '../../hostsmith/client.js';
import { type FailedPartition, PARTITIONS } from '../../hostsmith/merge.js';
import { PartitionSchema, type Site, SiteSchema } from '../../hostsmith/schemas.js';
import { defineTool } from '../tool.js';
import {
  failedPartitionsField,
  partitionArg,
  siteIdArg,
  siteLine,
  siteNameArg,
  sitePathArg,
} from './common.js';

const DEFAULT_LIMIT = 100;
const MAX_PAGE = 100;

/**
 * Where a listing stopped, per partition: the API's own cursor, or '' to start that partition
 * from its beginning. A partition that is finished is absent. Opaque to the model (base64url).
 */
const CursorSchema = z.partialRecord(PartitionSchema, z.string());
type CursorState = Partial<Record<Partition, string>>;

export class CursorError extends Error {
  readonly code = 'INVALID_CURSOR' as const;
}

export function encodeCursor(state: CursorState): string | undefined {
  return Object.keys(state).length ? Buffer.from(JSON.stringify(state)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string): CursorState {
  try {
    const state = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    // encodeCursor never writes an empty state: the end of a listing has no cursor at all.
    if (Object.keys(state).length === 0) throw new Error('no partition');
    return state;
  } catch {
    throw new CursorError(
      'cursor: not a cursor this tool returned; pass nextCursor exactly as given, or omit it',
    );
  }
}

/** Follows one partition's cursors until `quota` sites or its end; never overshoots a page. */
async function collect(
  api: HostsmithClient,
  partition: Partition,
  start: string,
  quota: number,
  signal: AbortSignal,
) {
  const sites: Site[] = [];
  let cursor: string | null = start;
  while (cursor !== null && sites.length < quota) {
    const page = await api.listSites({
      partition,
      limit: Math.min(MAX_PAGE, quota - sites.length),
      cursor: cursor || undefined,
      signal,
    });
    sites.push(...page.sites);
    cursor = page.nextCursor;
  }
  return { sites, next: cursor };
}

export const listSites = defineTool({
  name: 'list_sites',
  title: 'List sites',
  description:
    "The user's sites with their id, name, partition, URL, file count and size. Without partition, both partitions are listed together. Returns at most `limit` sites (default 100, up to 1000); when there are more, pass the returned nextCursor as `cursor` to continue.",
  inputSchema: z.object({
    partition: partitionArg,
    limit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('How many sites at most (1–1000, default 100).'),
    cursor: z.string().min(1).optional().describe('nextCursor from a previous list_sites call, to continue.'),
  }),
  outputSchema: z.object({
    sites: z.array(SiteSchema),
    nextCursor: z.string().optional().describe('Pass as `cursor` to get the next sites; absent at the end.'),
    failedPartitions: failedPartitionsField,
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler({ partition, limit = DEFAULT_LIMIT, cursor }, { api, signal }) {
    const state: CursorState = cursor
      ? decodeCursor(cursor)
      : Object.fromEntries((partition ? [partition] : PARTITIONS).map((p) => [p, '']));
    const continued = Object.keys(state);
    if (partition) for (const p of PARTITIONS) if (p !== partition) delete state[p];
    const todo = Object.keys(state) as Partition[];
    if (todo.length === 0) {
      throw new CursorError(
        `cursor: it continues a listing of ${continued.map((p) => `"${p}"`).join(' and ')}, not of partition "${partition}"; pass the partition of the call that returned it (or none), or omit the cursor`,
      );
    }
    const sites: Site[] = [];
    const next: CursorState = {};
    const failedPartitions: FailedPartition[] = [];
    const errors: unknown[] = [];

    // First pass in parallel, each partition its share; a second pass gives what is left over
    // to partitions that still have sites.
    // Shares that add up to exactly `limit` (3 over two partitions: 2 and 1).
    const share = (i: number) => Math.floor(limit / todo.length) + (i < limit % todo.length ? 1 : 0);
    const first = await Promise.allSettled(todo.map((p, i) => collect(api, p, state[p]!, share(i), signal)));
    first.forEach((outcome, i) => {
      const p = todo[i]!;
      if (outcome.status === 'rejected') {
        errors.push(outcome.reason);
        failedPartitions.push({
          partition: p,
          error: (outcome.reason as Error)?.message ?? String(outcome.reason),
        });
        next[p] = state[p]!; // resume it next time
        return;
      }
      sites.push(...outcome.value.sites);
      if (outcome.value.next !== null) next[p] = outcome.value.next;
    });
    const signIn = errors.find((e) => e instanceof SignInRequired);
    if (signIn || errors.length === todo.length) throw signIn ?? errors[0];
    for (const p of todo) {
      const room = limit - sites.length;
      if (room <= 0 || next[p] === undefined || failedPartitions.some((f) => f.partition === p)) continue;
      const more = await collect(api, p, next[p]!, room, signal);
      sites.push(...more.sites);
      if (more.next === null) delete next[p];
      else next[p] = more.next;
    }

    const nextCursor = encodeCursor(next);
    const lines = sites.map(siteLine);
    if (nextCursor) lines.push(`More sites: call again with cursor "${nextCursor}".`);
    for (const f of failedPartitions) lines.push(`${f.partition}: could not be listed (${f.error})`);
    return {
      structured: {
        sites,
        ...(nextCursor ? { nextCursor } : {}),
        ...(failedPartitions.length ? { failedPartitions } : {}),
      },
      text: lines.join('\n') || 'No sites.',
    };
  },
});

const siteArgs = z.object({ site_id: siteIdArg, partition: partitionArg });

export const getSite = defineTool({
  name: 'get_site',
  title: 'Get site',
  description:
    'One site by id: name, partition, URL, file count, size, index and error documents, live deploy.',
  inputSchema: siteArgs,
  outputSchema: SiteSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler({ site_id, partition }, { api, signal }) {
    const site = await api.getSite(site_id, partition, signal);
    return { structured: site, text: siteLine(site) };
  },
});

export const createSite = defineTool({
  name: 'create_site',
  title: 'Create site',
  description:
    'Create an empty site. It lives in one partition for good: omit partition for the user\'s home partition (see get_account), or pass "us"/"eu" if the user asked for that region. Then add content with deploy_directory or upload_files.',
  inputSchema: z.object({ name: siteNameArg, partition: partitionArg }),
  outputSchema: SiteSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler({ name, partition }, { api, signal }) {
    const site = await api.createSite(name, partition, signal);
    return { structured: site, text: `Created ${siteLine(site)}` };
  },
});

export const updateSite = defineTool({
  name: 'update_site',
  title: 'Update site',
  description:
    'Rename a site, or set its index document (served for a folder, default index.html) or error document (served with 404 for a missing path; remove_error_document: true to go back to the default 404 page).',
  inputSchema: z
    .object({
      site_id: siteIdArg,
      partition: partitionArg,
      name: siteNameArg.optional(),
      index_document: sitePathArg.optional().describe('A path inside the site, e.g. "index.html"'),
      error_document: sitePathArg.optional().describe('A path inside the site, e.g. "404.html"'),
      // A flag rather than null: no unions in input schemas (some hosts' models cannot pick a branch).
      remove_error_document: z
        .boolean()
        .optional()
        .describe('true: serve the default 404 page instead of an error document'),
    })
    .refine(
      (a) =>
        a.name !== undefined ||
        a.index_document !== undefined ||
        a.error_document !== undefined ||
        a.remove_error_document === true,
      { message: 'give at least one of name, index_document, error_document, remove_error_document' },
    )
    .refine((a) => !(a.remove_error_document === true && a.error_document !== undefined), {
      message: 'give error_document or remove_error_document: true, not both',
    }),
  outputSchema: SiteSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(
    { site_id, partition, name, index_document, error_document, remove_error_document },
    { api, signal },
  ) {
    const site = await api.updateSite(
      site_id,
      {
        ...(name !== undefined ? { name } : {}),
        ...(index_document !== undefined ? { indexDocument: index_document } : {}),
        ...(error_document !== undefined ? { errorDocument: error_document } : {}),
        ...(remove_error_document === true ? { errorDocument: null } : {}),
      },
      partition,
      signal,
    );
    return { structured: site, text: `Updated ${siteLine(site)}` };
  },
});

export const deleteSite = defineTool({
  name: 'delete_site',
  title: 'Delete site',
  description:
    'Delete a site and all its files for good. Its URL stops working. Confirm with the user first.',
  inputSchema: siteArgs,
  outputSchema: z.object({ deleted: z.literal(true), site_id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler({ site_id, partition }, { api, signal }) {
    await api.deleteSite(site_id, partition, signal);
    return { structured: { deleted: true as const, site_id }, text: `Deleted site ${site_id}.` };
  },
});

import * as z from 'zod/v4';
import type { Partition } from '../../auth/types.js';
import { SignInRequired } from '../../auth/types.js';
import type { HostsmithClient } from '../../hostsmith/client.js';
import { type FailedPartition, PARTITIONS } from '../../hostsmith/merge.js';
import { PartitionSchema, type Site, SiteSchema } from '../../hostsmith/schemas.js';
import { fitCount, fitPage } from '../result-size.js';
import { defineTool } from '../tool.js';
import {
  failedPartitionsField,
  partitionArg,
  siteIdArg,
  siteLine,
  siteNameArg,
  sitePathArg,
} from './common.js';
import { CursorError, openCursor, sealCursor } from './cursor.js';

const DEFAULT_LIMIT = 50;
/** The API's own page limit, and so the most one call lists (a page of them fits one result). */
const MAX_PAGE = 100;

/**
 * Where a listing stopped, per partition: the API cursor of the page it stopped in ('' for the
 * first page) and how many sites of that page were already returned. A finished partition is
 * absent. Opaque to the model (base64url JSON).
 */
const Resume = z.strictObject({ c: z.string(), s: z.number().int().min(0).max(MAX_PAGE) });
type Resume = z.infer<typeof Resume>;
const CursorSchema = z
  .partialRecord(PartitionSchema, Resume)
  // encodeCursor never writes an empty state: the end of a listing has no cursor at all.
  .refine((state) => Object.keys(state).length > 0);
type CursorState = Partial<Record<Partition, Resume>>;

export { CursorError };

export function encodeCursor(state: CursorState): string | undefined {
  return Object.keys(state).length ? sealCursor(state) : undefined;
}

export function decodeCursor(cursor: string): CursorState {
  return openCursor(CursorSchema, cursor);
}

/** One listed site, and where it was: the API page's cursor and its index in that page. */
interface Listed {
  site: Site;
  partition: Partition;
  at: Resume;
}

/** Follows one partition's cursors until `quota` sites or its end; never overshoots a page. */
async function collect(
  api: HostsmithClient,
  partition: Partition,
  start: Resume,
  quota: number,
  signal: AbortSignal,
) {
  const listed: Listed[] = [];
  let cursor: string | null = start.c;
  let skip = start.s;
  while (cursor !== null && listed.length < quota) {
    const from: string = cursor;
    const page = await api.listSites({
      partition,
      limit: Math.min(MAX_PAGE, skip + quota - listed.length),
      cursor: from || undefined,
      signal,
    });
    page.sites.forEach((site, index) => {
      if (index >= skip) listed.push({ site, partition, at: { c: from, s: index } });
    });
    skip = 0;
    cursor = page.nextCursor;
  }
  return { listed, next: cursor === null ? undefined : { c: cursor, s: 0 } };
}

export const listSites = defineTool({
  name: 'list_sites',
  title: 'List sites',
  description: `The user's sites with their id, name, partition, URL, file count and size. Without partition, both partitions are listed together. Returns at most \`limit\` sites (default ${DEFAULT_LIMIT}, up to ${MAX_PAGE}), fewer when more would not fit one result; when there are more, pass the returned nextCursor as \`cursor\` to continue.`,
  inputSchema: z.object({
    partition: partitionArg,
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE, {
        message: `at most ${MAX_PAGE} sites per call; pass nextCursor as cursor for more`,
      })
      .optional()
      .describe(`How many sites at most (1–${MAX_PAGE}, default ${DEFAULT_LIMIT}).`),
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
      : Object.fromEntries((partition ? [partition] : PARTITIONS).map((p) => [p, { c: '', s: 0 }]));
    const continued = Object.keys(state);
    if (partition) for (const p of PARTITIONS) if (p !== partition) delete state[p];
    const todo = Object.keys(state) as Partition[];
    if (todo.length === 0) {
      throw new CursorError(
        `cursor: it continues a listing of ${continued.map((p) => `"${p}"`).join(' and ')}, not of partition "${partition}"; pass the partition of the call that returned it (or none), or omit the cursor`,
      );
    }
    const listed: Listed[] = [];
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
      listed.push(...outcome.value.listed);
      if (outcome.value.next) next[p] = outcome.value.next;
    });
    const signIn = errors.find((e) => e instanceof SignInRequired);
    if (signIn || errors.length === todo.length) throw signIn ?? errors[0];
    for (const p of todo) {
      const room = limit - listed.length;
      if (room <= 0 || next[p] === undefined || failedPartitions.some((f) => f.partition === p)) continue;
      const more = await collect(api, p, next[p]!, room, signal);
      listed.push(...more.listed);
      if (more.next) next[p] = more.next;
      else delete next[p];
    }

    // Each partition's sites keep their order in `listed`, so any leading part of it leaves each
    // partition a place to resume: its first site left out.
    const page = (n: number) => {
      const resume: CursorState = { ...next };
      const placed = new Set<Partition>();
      for (const left of listed.slice(n)) {
        if (placed.has(left.partition)) continue;
        placed.add(left.partition);
        resume[left.partition] = left.at;
      }
      const sites = listed.slice(0, n).map((l) => l.site);
      const nextCursor = encodeCursor(resume);
      const lines = sites.map(siteLine);
      const cut = n < listed.length ? ` (${sites.length} shown, cut to fit one result)` : '';
      if (nextCursor) lines.push(`More sites${cut}: call again with cursor "${nextCursor}".`);
      for (const f of failedPartitions) lines.push(`${f.partition}: could not be listed (${f.error})`);
      return {
        structured: {
          sites,
          ...(nextCursor ? { nextCursor } : {}),
          ...(failedPartitions.length ? { failedPartitions } : {}),
        },
        text: lines.join('\n') || 'No sites.',
      };
    };
    return fitPage(
      fitCount(listed, (l) => siteLine(l.site)),
      page,
    );
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
    'Delete a site and all its files for good. Its URL stops working. Where the client can show a form, the user is asked to confirm first, and a "no" ends the call with nothing deleted.',
  inputSchema: siteArgs,
  outputSchema: z.object({ deleted: z.literal(true), site_id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler({ site_id, partition }, { api, signal, confirm }) {
    if (confirm) {
      const site = await api.getSite(site_id, partition, signal);
      await confirm({
        message: `Delete site ${site.name} (${site.fileCount} files, ${site.url})? The site and all its files are removed for good.`,
        action: `delete site ${site.name}`,
        plan: {
          id: site.id,
          partition: site.partition,
          fileCount: site.fileCount,
          sizeBytes: site.sizeBytes,
          live: site.liveDeployId,
        },
      });
    }
    await api.deleteSite(site_id, partition, signal);
    return { structured: { deleted: true as const, site_id }, text: `Deleted site ${site_id}.` };
  },
});

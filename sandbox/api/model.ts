// The API's data: sites with their live file sets, the content-addressed blobs behind them
// (one store per user and partition), and deploys. Everything in memory; toJSON()/load() carry
// it through the --data file.
import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod/v4';
import { PARTITIONS, type Partition } from '../types.js';

export interface FileEntry {
  path: string;
  size: number;
  sha256: string;
  contentType: string;
}

export interface CustomDomain {
  name: string;
  status: 'active' | 'pending_dns';
}

export interface SiteRecord {
  id: string;
  ownerId: string;
  partition: Partition;
  name: string;
  createdAt: string;
  updatedAt: string;
  indexDocument: string;
  errorDocument: string | null;
  liveDeployId: string | null;
  /** Never mutated in place: a change installs a new map, so a reader sees one file set or the next. */
  files: ReadonlyMap<string, FileEntry>;
  customDomains: CustomDomain[];
}

export interface DeployRecord {
  id: string;
  siteId: string;
  ownerId: string;
  partition: Partition;
  state: 'uploading' | 'live';
  /** path → sha256 */
  files: Record<string, string>;
  required: string[];
  createdAt: string;
  publishedAt: string | null;
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function newId(prefix: 'site' | 'dep'): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

const PartitionSchema = z.enum(PARTITIONS as [Partition, ...Partition[]]);
const FileSchema = z.object({
  path: z.string(),
  size: z.number(),
  sha256: z.string(),
  contentType: z.string(),
});
const SiteSchema = z.object({
  id: z.string(),
  ownerId: z.string(),
  partition: PartitionSchema,
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  indexDocument: z.string(),
  errorDocument: z.string().nullable(),
  liveDeployId: z.string().nullable(),
  files: z.array(FileSchema),
  customDomains: z.array(z.object({ name: z.string(), status: z.enum(['active', 'pending_dns']) })),
});
const DeploySchema = z.object({
  id: z.string(),
  siteId: z.string(),
  ownerId: z.string(),
  partition: PartitionSchema,
  state: z.enum(['uploading', 'live']),
  files: z.record(z.string(), z.string()),
  required: z.array(z.string()),
  createdAt: z.string(),
  publishedAt: z.string().nullable(),
});
export const StoreStateSchema = z.object({
  version: z.literal(1),
  sites: z.array(SiteSchema),
  deploys: z.array(DeploySchema),
  /** "{partition}|{userId}" → sha256 → base64 bytes */
  blobs: z.record(z.string(), z.record(z.string(), z.string())),
});
export type StoreState = z.infer<typeof StoreStateSchema>;

export class Store {
  readonly sites = new Map<string, SiteRecord>();
  readonly deploys = new Map<string, DeployRecord>();
  private readonly blobStores = new Map<string, Map<string, Buffer>>();

  /** Called after every change; the sandbox persists soon after. */
  onChange: () => void = () => {};

  changed(): void {
    this.onChange();
  }

  blobs(partition: Partition, ownerId: string): Map<string, Buffer> {
    const key = `${partition}|${ownerId}`;
    let store = this.blobStores.get(key);
    if (!store) {
      store = new Map();
      this.blobStores.set(key, store);
    }
    return store;
  }

  /** Stores bytes under their digest and answers the digest. */
  putBlob(partition: Partition, ownerId: string, bytes: Buffer, digest = sha256Hex(bytes)): string {
    this.blobs(partition, ownerId).set(digest, bytes);
    return digest;
  }

  blob(site: SiteRecord, entry: FileEntry): Buffer | undefined {
    return this.blobs(site.partition, site.ownerId).get(entry.sha256);
  }

  sitesOf(ownerId: string, partition: Partition): SiteRecord[] {
    return [...this.sites.values()]
      .filter((s) => s.ownerId === ownerId && s.partition === partition)
      .sort(compareSites);
  }

  siteByName(partition: Partition, name: string): SiteRecord | undefined {
    for (const site of this.sites.values())
      if (site.partition === partition && site.name === name) return site;
    return undefined;
  }

  deleteSite(id: string): void {
    this.sites.delete(id);
    for (const [depId, dep] of this.deploys) if (dep.siteId === id) this.deploys.delete(depId);
  }

  toJSON(): StoreState {
    const blobs: StoreState['blobs'] = {};
    for (const [key, store] of this.blobStores) {
      const out: Record<string, string> = {};
      for (const [digest, bytes] of store) out[digest] = bytes.toString('base64');
      blobs[key] = out;
    }
    return {
      version: 1,
      sites: [...this.sites.values()].map((s) => ({ ...s, files: [...s.files.values()] })),
      deploys: [...this.deploys.values()],
      blobs,
    };
  }

  /** Replaces everything with a saved state; throws when the state does not parse. */
  load(raw: unknown): void {
    const state = StoreStateSchema.parse(raw);
    this.sites.clear();
    this.deploys.clear();
    this.blobStores.clear();
    for (const site of state.sites) {
      this.sites.set(site.id, { ...site, files: new Map(site.files.map((f) => [f.path, f])) });
    }
    for (const dep of state.deploys) this.deploys.set(dep.id, dep);
    for (const [key, entries] of Object.entries(state.blobs)) {
      this.blobStores.set(
        key,
        new Map(Object.entries(entries).map(([d, b64]) => [d, Buffer.from(b64, 'base64')])),
      );
    }
  }
}

/** Listing order: oldest first, ties by id, so a cursor stays valid while sites come and go. */
export function compareSites(
  a: Pick<SiteRecord, 'createdAt' | 'id'>,
  b: Pick<SiteRecord, 'createdAt' | 'id'>,
): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function siteSize(site: SiteRecord): number {
  let total = 0;
  for (const f of site.files.values()) total += f.size;
  return total;
}

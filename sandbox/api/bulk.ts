// Many sites or files at once, for tests of big accounts (a window knob): straight into the
// store, since thousands of API calls would only measure the rate limit.
import type { Partition, SandboxUser } from '../types.js';
import { type FileEntry, newId, type SiteRecord, type Store } from './model.js';
import { contentTypeFor } from './paths.js';

export interface BulkSites {
  email: string;
  partition: Partition;
  /** Sites `{prefix}-1` … `{prefix}-{count}`, each with an index.html. */
  prefix: string;
  count: number;
}

export interface BulkFiles {
  email: string;
  partition: Partition;
  /** The site's name: created when the user has none of that name in the partition. */
  site: string;
  /** Each file's content is its own path. */
  paths: string[];
}

function owner(users: readonly SandboxUser[], email: string): SandboxUser {
  const user = users.find((u) => u.email === email.toLowerCase());
  if (!user) throw new Error(`no sandbox user ${email}`);
  return user;
}

function newSite(store: Store, user: SandboxUser, partition: Partition, name: string, at: Date): SiteRecord {
  if (store.siteByName(partition, name))
    throw new Error(`the name ${name} is taken in partition ${partition}`);
  const createdAt = at.toISOString();
  const site: SiteRecord = {
    id: newId('site'),
    ownerId: user.id,
    partition,
    name,
    createdAt,
    updatedAt: createdAt,
    indexDocument: 'index.html',
    errorDocument: null,
    liveDeployId: null,
    files: new Map(),
    customDomains: [],
  };
  store.sites.set(site.id, site);
  return site;
}

function withFiles(store: Store, site: SiteRecord, paths: readonly string[]): void {
  const files = new Map(site.files);
  for (const path of paths) {
    const bytes = Buffer.from(path);
    const sha256 = store.putBlob(site.partition, site.ownerId, bytes);
    files.set(path, {
      path,
      size: bytes.length,
      sha256,
      contentType: contentTypeFor(path),
    } satisfies FileEntry);
  }
  site.files = files;
}

export function addSites(store: Store, users: readonly SandboxUser[], spec: BulkSites) {
  const user = owner(users, spec.email);
  const names = Array.from({ length: spec.count }, (_, i) => `${spec.prefix}-${i + 1}`);
  // All or nothing: a taken name is refused before any site is made.
  const taken = names.find((name) => store.siteByName(spec.partition, name));
  if (taken) throw new Error(`the name ${taken} is taken in partition ${spec.partition}`);
  const start = Date.now();
  const sites: Array<{ id: string; name: string }> = [];
  for (let i = 1; i <= spec.count; i++) {
    // A millisecond apart: the listing order is the order they were made in.
    const site = newSite(store, user, spec.partition, names[i - 1] as string, new Date(start + i));
    withFiles(store, site, ['index.html']);
    sites.push({ id: site.id, name: site.name });
  }
  store.changed();
  return { sites };
}

export function addFiles(store: Store, users: readonly SandboxUser[], spec: BulkFiles) {
  const user = owner(users, spec.email);
  const site =
    [...store.sites.values()].find(
      (s) => s.ownerId === user.id && s.partition === spec.partition && s.name === spec.site,
    ) ?? newSite(store, user, spec.partition, spec.site, new Date());
  withFiles(store, site, spec.paths);
  store.changed();
  return { id: site.id, name: site.name, files: site.files.size };
}

// The data every fresh sandbox starts with: each seeded user has sites in both partitions
// (index.html + 404.html and a little more), custom domains, and enough sites to page through.
import type { Partition, SandboxUser } from '../types.js';
import { type CustomDomain, type FileEntry, newId, type SiteRecord, type Store } from './model.js';
import { contentTypeFor } from './paths.js';

interface SeedSite {
  name: string;
  partition: Partition;
  domains?: CustomDomain[];
  extraFiles?: Record<string, string>;
}

const SEED: Record<string, SeedSite[]> = {
  'ada@example.com': [
    { name: 'ada-portfolio', partition: 'us', domains: [{ name: 'ada.example.com', status: 'active' }] },
    {
      name: 'ada-notes',
      partition: 'us',
      extraFiles: { 'notes/index.html': '<h1>Notes</h1>', 'style.css': 'body { font: 16px serif; }' },
    },
    { name: 'ada-engine', partition: 'us' },
    { name: 'ada-drafts', partition: 'us' },
    { name: 'ada-archive', partition: 'us' },
    {
      name: 'ada-eu-mirror',
      partition: 'eu',
      domains: [{ name: 'eu.ada.example.com', status: 'pending_dns' }],
    },
    { name: 'ada-analytical', partition: 'eu' },
  ],
  'lin@example.com': [
    { name: 'lin-blog', partition: 'eu', domains: [{ name: 'blog.lin.example', status: 'active' }] },
    { name: 'lin-docs', partition: 'eu', extraFiles: { 'guide/index.html': '<h1>Guide</h1>' } },
    { name: 'lin-photos', partition: 'eu' },
    { name: 'lin-us-landing', partition: 'us', domains: [{ name: 'lin.example', status: 'active' }] },
    { name: 'lin-us-shop', partition: 'us' },
  ],
  'sam@example.com': [{ name: 'sam-site', partition: 'us' }],
};

function page(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body>${body}</body></html>\n`;
}

export function seed(store: Store, users: readonly SandboxUser[], now: Date): void {
  let minute = 0;
  for (const user of users) {
    for (const spec of SEED[user.email] ?? []) {
      // Distinct, increasing creation times: the listing order is stable and meaningful.
      const createdAt = new Date(now.getTime() - 30 * 86_400_000 + minute++ * 60_000).toISOString();
      const sources: Record<string, string> = {
        'index.html': page(
          spec.name,
          `<h1>${spec.name}</h1><p>${user.name}'s site in ${spec.partition}.</p>`,
        ),
        '404.html': page('Not found', `<h1>Not found</h1><p>${spec.name} has no such page.</p>`),
        ...spec.extraFiles,
      };
      const files = new Map<string, FileEntry>();
      for (const [path, text] of Object.entries(sources)) {
        const bytes = Buffer.from(text);
        const sha256 = store.putBlob(spec.partition, user.id, bytes);
        files.set(path, { path, size: bytes.length, sha256, contentType: contentTypeFor(path) });
      }
      const site: SiteRecord = {
        id: newId('site'),
        ownerId: user.id,
        partition: spec.partition,
        name: spec.name,
        createdAt,
        updatedAt: createdAt,
        indexDocument: 'index.html',
        errorDocument: '404.html',
        liveDeployId: null,
        files,
        customDomains: spec.domains ?? [],
      };
      store.sites.set(site.id, site);
    }
  }
}

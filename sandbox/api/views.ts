// The JSON shapes the API answers with, built from the records.
import type { DeployRecord, FileEntry, SiteRecord } from './model.js';
import { siteSize } from './model.js';

/** Where the sandbox serves a site: {api}/s/{partition}/{name}/ */
export function siteUrl(api: string, site: Pick<SiteRecord, 'partition' | 'name'>): string {
  return `${api}/s/${site.partition}/${site.name}/`;
}

/** The shared domain every site gets. */
export function sharedDomain(site: Pick<SiteRecord, 'partition' | 'name'>): string {
  return `${site.name}.${site.partition}.hostsmith.site`;
}

export function siteView(api: string, site: SiteRecord) {
  return {
    id: site.id,
    name: site.name,
    partition: site.partition,
    url: siteUrl(api, site),
    createdAt: site.createdAt,
    updatedAt: site.updatedAt,
    fileCount: site.files.size,
    sizeBytes: siteSize(site),
    indexDocument: site.indexDocument,
    errorDocument: site.errorDocument,
    liveDeployId: site.liveDeployId,
  };
}

export function fileView(file: FileEntry) {
  return { path: file.path, size: file.size, sha256: file.sha256, contentType: file.contentType };
}

export function deployView(
  dep: DeployRecord,
  sizes: { fileCount: number; sizeBytes: number },
  missing: string[],
) {
  return {
    id: dep.id,
    siteId: dep.siteId,
    partition: dep.partition,
    state: dep.state,
    required: dep.required,
    missing,
    fileCount: sizes.fileCount,
    sizeBytes: sizes.sizeBytes,
    createdAt: dep.createdAt,
    publishedAt: dep.publishedAt,
  };
}

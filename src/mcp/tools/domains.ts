import * as z from 'zod/v4';
import { inPartitions } from '../../hostsmith/merge.js';
import { DomainSchema } from '../../hostsmith/schemas.js';
import { defineTool } from '../tool.js';
import { failedPartitionsField, partitionArg } from './common.js';

export const listDomains = defineTool({
  name: 'list_domains',
  title: 'List domains',
  description:
    'The shared (*.hostsmith.site) and custom domains pointing at the user\'s sites, with the site id and, for custom domains, whether DNS is set up ("active" or "pending_dns"). Without partition, both partitions are listed.',
  inputSchema: z.object({ partition: partitionArg }),
  outputSchema: z.object({ domains: z.array(DomainSchema), failedPartitions: failedPartitionsField }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler({ partition }, { api, signal }) {
    const merged = await inPartitions(partition, (p) => api.listDomains(p, signal));
    const domains = merged.results.flatMap((r) => r.value);
    const lines = domains.map(
      (d) => `${d.name} → ${d.siteId} (${d.partition}, ${d.type}${d.status ? `, ${d.status}` : ''})`,
    );
    for (const f of merged.failedPartitions) lines.push(`${f.partition}: could not be read (${f.error})`);
    return {
      structured: {
        domains,
        ...(merged.failedPartitions.length ? { failedPartitions: merged.failedPartitions } : {}),
      },
      text: lines.join('\n') || 'No domains.',
    };
  },
});

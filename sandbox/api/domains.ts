// GET /v1/domains: every site's shared domain, and the custom domains pointed at them.
import type { Handler } from './context.js';
import { sharedDomain } from './views.js';

export const listDomains: Handler = (ctx) => {
  const domains = ctx.store.sitesOf(ctx.user.id, ctx.partition).flatMap((site) => [
    { name: sharedDomain(site), type: 'shared', siteId: site.id, partition: site.partition },
    ...site.customDomains.map((d) => ({
      name: d.name,
      type: 'custom',
      siteId: site.id,
      partition: site.partition,
      status: d.status,
    })),
  ]);
  return { status: 200, body: { domains } };
};

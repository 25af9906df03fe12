// GET /v1/account: who the token belongs to, and their usage in one partition.
import type { Handler } from './context.js';
import { siteSize } from './model.js';

export const LIMITS = { sites: 50, storageBytes: 1024 * 1024 * 1024 } as const;

export const getAccount: Handler = (ctx) => {
  const sites = ctx.store.sitesOf(ctx.user.id, ctx.partition);
  return {
    status: 200,
    body: {
      user: {
        id: ctx.user.id,
        email: ctx.user.email,
        name: ctx.user.name,
        homePartition: ctx.user.homePartition,
      },
      partition: ctx.partition,
      usage: {
        sites: sites.length,
        storageBytes: sites.reduce((sum, s) => sum + siteSize(s), 0),
        customDomains: sites.reduce((sum, s) => sum + s.customDomains.length, 0),
      },
      limits: { ...LIMITS },
    },
  };
};

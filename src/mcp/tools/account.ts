import * as z from 'zod/v4';
import { inPartitions } from '../../hostsmith/merge.js';
import { LimitsSchema, UsageSchema, UserSchema } from '../../hostsmith/schemas.js';
import { DEFAULT_PROFILE } from '../../store/profile.js';
import { defineTool } from '../tool.js';
import { failedPartitionsField, partitionArg } from './common.js';

const PartitionUsage = z.object({ usage: UsageSchema, limits: LimitsSchema });

export const getAccount = defineTool({
  name: 'get_account',
  title: 'Get account',
  description:
    "The signed-in Hostsmith user (email, name, homePartition), the profile this server signs in under (one Hostsmith account per profile), and usage against limits. Without partition, both partitions are read and shown side by side. Call this before create_site to learn the user's homePartition.",
  inputSchema: z.object({ partition: partitionArg }),
  outputSchema: z.object({
    user: UserSchema,
    /** Which of this host's Hostsmith sign-ins answered: two entries with two profiles are two accounts. */
    profile: z.string(),
    partitions: z.object({ us: PartitionUsage.optional(), eu: PartitionUsage.optional() }),
    failedPartitions: failedPartitionsField,
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler({ partition }, { api, profile = DEFAULT_PROFILE, signal }) {
    const merged = await inPartitions(partition, (p) => api.getAccount(p, signal));
    const user = merged.results[0]!.value.user;
    const partitions: Record<string, z.infer<typeof PartitionUsage>> = {};
    for (const { partition: p, value } of merged.results)
      partitions[p] = { usage: value.usage, limits: value.limits };
    const lines = [`${user.name} <${user.email}>, home partition ${user.homePartition}, profile ${profile}`];
    for (const [p, u] of Object.entries(partitions)) {
      lines.push(`${p}: ${u.usage.sites}/${u.limits.sites} sites, ${u.usage.storageBytes} bytes stored`);
    }
    for (const f of merged.failedPartitions) lines.push(`${f.partition}: could not be read (${f.error})`);
    return {
      structured: {
        user,
        profile,
        partitions,
        ...(merged.failedPartitions.length ? { failedPartitions: merged.failedPartitions } : {}),
      },
      text: lines.join('\n'),
    };
  },
});

// The API's objects, with the API's own field names (hostsmith-api.md). Loose objects: a field
// Hostsmith adds later passes through instead of failing every call.
import * as z from 'zod/v4';

export const PartitionSchema = z.enum(['us', 'eu']);

export const SiteSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  partition: PartitionSchema,
  url: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  fileCount: z.number(),
  sizeBytes: z.number(),
  indexDocument: z.string(),
  errorDocument: z.string().nullable(),
  liveDeployId: z.string().nullable(),
});
export type Site = z.infer<typeof SiteSchema>;

export const SiteListSchema = z.object({ sites: z.array(SiteSchema), nextCursor: z.string().nullable() });

export const FileSchema = z.looseObject({
  path: z.string(),
  size: z.number(),
  sha256: z.string(),
  contentType: z.string(),
});
export type SiteFile = z.infer<typeof FileSchema>;
export const FileListSchema = z.object({ files: z.array(FileSchema) });

export const DomainSchema = z.looseObject({
  name: z.string(),
  type: z.enum(['shared', 'custom']),
  siteId: z.string(),
  partition: PartitionSchema,
  status: z.enum(['active', 'pending_dns']).optional(),
});
export type Domain = z.infer<typeof DomainSchema>;
export const DomainListSchema = z.object({ domains: z.array(DomainSchema) });

export const UsageSchema = z.looseObject({
  sites: z.number(),
  storageBytes: z.number(),
  customDomains: z.number(),
});
export const LimitsSchema = z.looseObject({ sites: z.number(), storageBytes: z.number() });
export const UserSchema = z.looseObject({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  homePartition: PartitionSchema,
});
export const AccountSchema = z.object({
  user: UserSchema,
  partition: PartitionSchema,
  usage: UsageSchema,
  limits: LimitsSchema,
});
export type AccountInfo = z.infer<typeof AccountSchema>;

export const ErrorBodySchema = z.object({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});

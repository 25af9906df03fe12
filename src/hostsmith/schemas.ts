// The API's objects, with the API's own field names (hostsmith-api.md). Open objects: a field
// Hostsmith adds later passes through instead of failing every call.
// These schemas are also the tools' output schemas, so they are written for JSON Schema readers
// too (test/unit/tool-schemas.test.ts guards both rules below).
import * as z from 'zod/v4';

/**
 * An object that also carries, unchecked, any field Hostsmith adds later. A plain looseObject
 * says so with `additionalProperties: {}`, a schema with no keyword that strict checkers (the
 * MCP Inspector's --strict) flag as accepting anything; here such fields are said to be JSON.
 */
function openObject<S extends z.ZodRawShape>(shape: S) {
  return z.object(shape).catchall(z.json());
}

/**
 * `inner` or null. zod writes a union of bare types as `type: ["string", "null"]`, which a
 * single-type dialect (Gemini's function declarations) cannot read; a described branch is not
 * bare, so it stays `anyOf: [{type: "string", description}, {type: "null"}]`.
 */
function orNull<T extends z.ZodType>(inner: T, description: string) {
  return inner.describe(description).nullable();
}

export const PartitionSchema = z.enum(['us', 'eu']);

export const SiteSchema = openObject({
  id: z.string(),
  name: z.string(),
  partition: PartitionSchema,
  url: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  fileCount: z.number(),
  sizeBytes: z.number(),
  indexDocument: z.string(),
  errorDocument: orNull(z.string(), 'The page served with 404 for a missing path; null for none.'),
  liveDeployId: orNull(z.string(), 'The deploy the site serves; null before its first deploy.'),
});
export type Site = z.infer<typeof SiteSchema>;

export const SiteListSchema = z.object({
  sites: z.array(SiteSchema),
  nextCursor: orNull(z.string(), 'Where the next page starts; null at the end.'),
});

export const FileSchema = openObject({
  path: z.string(),
  size: z.number(),
  sha256: z.string(),
  contentType: z.string(),
});
export type SiteFile = z.infer<typeof FileSchema>;
export const FileListSchema = z.object({ files: z.array(FileSchema) });

export const DomainSchema = openObject({
  name: z.string(),
  type: z.enum(['shared', 'custom']),
  siteId: z.string(),
  partition: PartitionSchema,
  status: z.enum(['active', 'pending_dns']).optional(),
});
export type Domain = z.infer<typeof DomainSchema>;
export const DomainListSchema = z.object({ domains: z.array(DomainSchema) });

export const UsageSchema = openObject({
  sites: z.number(),
  storageBytes: z.number(),
  customDomains: z.number(),
});
export const LimitsSchema = openObject({ sites: z.number(), storageBytes: z.number() });
export const UserSchema = openObject({
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
  error: openObject({ code: z.string(), message: z.string() }),
});

// Argument schemas every tool family shares, described for the model.
import * as z from 'zod/v4';
import { SITE_ID, SITE_NAME, sitePathProblem } from '../../hostsmith/routes.js';
import { PartitionSchema, SiteSchema } from '../../hostsmith/schemas.js';

export const partitionArg = PartitionSchema.optional().describe(
  'The region: "us" or "eu". Omit to use the user\'s home partition. For an existing site, pass the partition list_sites shows for it.',
);

export const siteIdArg = z
  .string()
  .regex(SITE_ID, {
    message:
      'a site id starts with "site_" and holds only letters, digits, "_" and "-" (at most 255 characters); pass it exactly as list_sites or create_site returned it',
  })
  .describe('The site id (site_…), as list_sites or create_site return it.');

export const siteNameArg = z
  .string()
  .regex(SITE_NAME, {
    message:
      'must be 1–63 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit',
  })
  .describe(
    'The site name: lowercase letters, digits and hyphens (1–63), e.g. "my-blog". It becomes part of the URL.',
  );

export const failedPartitionsField = z
  .array(z.object({ partition: PartitionSchema, error: z.string() }))
  .optional()
  .describe('Partitions that could not be read; the result holds the others.');

export { SiteSchema };

/**
 * The contract's site-path rule (no empty, "." or ".." segment, no NUL or backslash), checked
 * before any call wherever a path inside a site is an argument.
 */
export const sitePathArg = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(1024, { message: 'is over the 1024 characters a site path may have' })
  .superRefine((path, ctx) => {
    if (path.length === 0 || path.length > 1024) return; // said above, once
    const problem = sitePathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: path });
  });

export const filePathArg = sitePathArg.describe(
  'A path inside the site, e.g. "index.html" or "img/logo.png" (no leading slash).',
);

export const siteLine = (s: z.infer<typeof SiteSchema>) => `${s.name} (${s.id}, ${s.partition}) ${s.url}`;

// Argument schemas every tool family shares, described for the model.
import * as z from 'zod/v4';
import { SITE_NAME } from '../../hostsmith/routes.js';
import { PartitionSchema, SiteSchema } from '../../hostsmith/schemas.js';

export const partitionArg = PartitionSchema.optional().describe(
  'The region: "us" or "eu". Omit to use the user\'s home partition. For an existing site, pass the partition list_sites shows for it.',
);

export const siteIdArg = z
  .string()
  .min(1)
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

/** The contract's file-path rule, checked before any call. */
export const filePathArg = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.includes('\0') && !p.includes('\\'), { message: 'must not contain NUL or a backslash' })
  .refine((p) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), {
    message: 'must be relative and "/"-separated, with no empty, "." or ".." segment (e.g. "css/site.css")',
  })
  .describe('A path inside the site, e.g. "index.html" or "img/logo.png" (no leading slash).');

export const siteLine = (s: z.infer<typeof SiteSchema>) => `${s.name} (${s.id}, ${s.partition}) ${s.url}`;

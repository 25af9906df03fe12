// deploy_directory: publish a local folder as a site's whole file set (src/deploy does the work).
import * as z from 'zod/v4';
import { ignoreRuleText } from '../../deploy/ignore.js';
import { defineTool } from '../tool.js';
import { partitionArg, siteIdArg } from './common.js';
import {
  changesField,
  changesLine,
  changesOf,
  DRY_RUN_PATHS,
  removalQuestion,
  SUMMARY_PATHS,
  siteLink,
} from './deploy-summary.js';

/** How many left-out paths a result names. */
const SHOWN = 10;

/** Longer than any folder path a system opens (Linux's PATH_MAX). */
const MAX_DIRECTORY = 4096;

/**
 * What no folder path holds, refused by name before any call: a NUL (the file system API would
 * throw) or a lone surrogate (it would open a folder of another name, with U+FFFD in it). The
 * length cap keeps an error from echoing a huge argument.
 */
function directoryProblem(directory: string): string | undefined {
  if (directory.includes('\0')) return 'must not contain a NUL character';
  if (/\p{Cs}/u.test(directory)) return 'is not valid Unicode (it holds a lone surrogate)';
  return undefined;
}

const input = z.object({
  site_id: siteIdArg,
  partition: partitionArg,
  directory: z
    .string()
    .min(1)
    .max(MAX_DIRECTORY, { message: `is over the ${MAX_DIRECTORY} characters a folder path may have` })
    .superRefine((directory, ctx) => {
      if (directory.length > MAX_DIRECTORY) return; // said above, once
      const problem = directoryProblem(directory);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: directory });
    })
    .describe(
      'Absolute path of the folder to publish, on the machine where this MCP server runs, written the way that machine writes paths: on macOS for example /Users/ada/blog/dist, on Windows C:\\Users\\ada\\blog\\dist (not /c/Users/… or /mnt/c/…), on Linux /home/ada/blog/dist. "~", "~/blog/dist" (and on Windows "~\\blog\\dist") mean the home folder. A relative path is resolved against the server\'s working directory.',
    ),
  dry_run: z
    .boolean()
    .optional()
    .describe(
      'true: only report what the deploy would add, change and remove on the live site, and the bytes to upload; nothing is created or sent.',
    ),
});

const output = z.object({
  dryRun: z.boolean().describe('true: nothing was deployed; the figures are what a deploy would do.'),
  deployId: z.string().optional().describe('The deploy now live; absent on a dry run.'),
  fileCount: z.number().int().describe('Files the site now serves (on a dry run: would serve).'),
  filesUploaded: z
    .number()
    .int()
    .describe(
      'Files whose content had to be sent (identical contents travel once). On a dry run: at most this many.',
    ),
  bytesUploaded: z.number().int().describe('On a dry run: at most this many bytes would be sent.'),
  bytesSkipped: z.number().int().describe('Bytes Hostsmith already held, so they were not sent.'),
  changes: changesField,
  url: z.string().describe("The site's URL."),
  directory: z.string().describe('The absolute folder that was deployed.'),
  skipped: z
    .object({
      count: z.number().int().describe('How many files and folders were left out (a folder counts once).'),
      examples: z.array(z.string()).describe(`Up to ${SHOWN} of their site paths.`),
    })
    .describe(`What was left out: ${ignoreRuleText()}.`),
});

export const deployDirectory = defineTool({
  name: 'deploy_directory',
  title: 'Deploy a folder',
  description: `Publish a local folder as the site's complete content. The site's whole file set is REPLACED by the folder's files: anything on the site that is not in the folder is removed. Only files Hostsmith does not already have are uploaded, so redeploying after a small change is fast. The folder must be on the machine where this server runs (the user's computer), not in the model's sandbox. Left out, in folders at any depth: ${ignoreRuleText()}. Site paths are the file names in Unicode NFC (as links write them), so two names that differ only in how accents are encoded stop the deploy; so do a file over 25 MiB and a symlink pointing outside the folder. A folder the system will not let this server read (on macOS: Desktop, Documents, Downloads until the host app is allowed) gives an error that says how to allow it. The switch to the new files is atomic. Pass dry_run: true to see first what would be added, changed and removed, and the bytes to upload, without deploying. A deploy that would remove files from the live site asks the user to confirm first where the client can show a form. Returns the deploy id, what changed (counts and the first paths of each kind), bytes uploaded and skipped, the site URL, and what was left out.`,
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    // The deploy code (walk, hash, upload) loads on the first deploy, not at every server start.
    const { deployDirectory: runDeploy } = await import('../../deploy/deploy.js');
    const report = await runDeploy({
      api: ctx.api,
      siteId: args.site_id,
      partition: args.partition,
      directory: args.directory,
      signal: ctx.signal,
      progress: (message) => ctx.progress(message),
      ...(ctx.digestCache !== undefined ? { digestCache: ctx.digestCache } : {}),
      dryRun: args.dry_run === true,
      ...(ctx.confirm ? { confirmRemoval: removalQuestion(ctx.confirm) } : {}),
    });
    const dryRun = args.dry_run === true;
    const shown = dryRun ? DRY_RUN_PATHS : SUMMARY_PATHS;
    const structured = {
      dryRun,
      ...(report.deployId !== undefined ? { deployId: report.deployId } : {}),
      fileCount: report.fileCount,
      filesUploaded: report.filesUploaded,
      bytesUploaded: report.bytesUploaded,
      bytesSkipped: report.bytesSkipped,
      changes: changesOf(report, shown),
      url: report.url,
      directory: report.directory,
      skipped: { count: report.skipped.length, examples: report.skipped.slice(0, SHOWN) },
    };
    const lines = dryRun
      ? [
          `Dry run: nothing was deployed. Deploying ${report.directory} to site ${report.siteName} (${report.url}) would publish ${report.fileCount} files.`,
          changesLine(report, shown, true),
          `It would upload at most ${report.filesUploaded} files (${report.bytesUploaded} bytes).`,
        ]
      : [
          `Deployed ${report.fileCount} files from ${report.directory} (deploy ${report.deployId}); the site is live at ${report.url}`,
          changesLine(report, shown, false),
          `Uploaded ${report.filesUploaded} files (${report.bytesUploaded} bytes); ${report.bytesSkipped} bytes were already on Hostsmith.`,
        ];
    if (report.resolvedRelative) {
      lines.push(
        `Note: "${args.directory}" was relative, so it was resolved against the server's working directory.`,
      );
    }
    if (report.skipped.length > 0) {
      const shown = report.skipped.slice(0, SHOWN).join(', ');
      const more = report.skipped.length - SHOWN;
      lines.push(`Left out ${report.skipped.length}: ${shown}${more > 0 ? `, and ${more} more` : ''}.`);
    }
    return { structured, text: lines.join('\n'), links: [siteLink(report)] };
  },
});

export const deployTools = [deployDirectory];

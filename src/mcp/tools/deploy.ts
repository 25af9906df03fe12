// deploy_directory: publish a local folder as a site's whole file set (src/deploy does the work).
import * as z from 'zod/v4';
import { deployDirectory as runDeploy } from '../../deploy/deploy.js';
import { defineTool } from '../tool.js';
import { partitionArg, siteIdArg } from './common.js';

const input = z.object({
  site_id: siteIdArg,
  partition: partitionArg,
  directory: z
    .string()
    .min(1)
    .describe(
      'Absolute path of the folder to publish, on the machine where this MCP server runs (for example /home/ada/blog/dist). A relative path is resolved against the server\'s working directory; "~/" means the home folder.',
    ),
});

const output = z.object({
  deployId: z.string().describe('The deploy now live.'),
  fileCount: z.number().int().describe('Files the site now serves.'),
  filesUploaded: z
    .number()
    .int()
    .describe('Files whose content had to be sent (identical contents travel once).'),
  bytesUploaded: z.number().int(),
  bytesSkipped: z.number().int().describe('Bytes Hostsmith already held, so they were not sent.'),
  url: z.string().describe("The site's URL."),
  directory: z.string().describe('The absolute folder that was deployed.'),
  skipped: z
    .array(z.string())
    .describe('Paths left out: dotfiles and dot-folders (except .well-known), node_modules.'),
});

export const deployDirectory = defineTool({
  name: 'deploy_directory',
  title: 'Deploy a folder',
  description:
    "Publish a local folder as the site's complete content. The site's whole file set is REPLACED by the folder's files: anything on the site that is not in the folder is removed. Only files Hostsmith does not already have are uploaded, so redeploying after a small change is fast. The folder must be on the machine where this server runs (the user's computer), not in the model's sandbox. Dotfiles (except .well-known) and node_modules are left out; a file over 25 MiB, or a symlink pointing outside the folder, stops the deploy. The switch to the new files is atomic. Returns the deploy id, counts, bytes uploaded and skipped, and the site URL.",
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const report = await runDeploy({
      api: ctx.api,
      siteId: args.site_id,
      partition: args.partition,
      directory: args.directory,
      signal: ctx.signal,
      progress: (message) => ctx.progress(message),
    });
    const structured = {
      deployId: report.deployId,
      fileCount: report.fileCount,
      filesUploaded: report.filesUploaded,
      bytesUploaded: report.bytesUploaded,
      bytesSkipped: report.bytesSkipped,
      url: report.url,
      directory: report.directory,
      skipped: report.skipped,
    };
    const lines = [
      `Deployed ${report.fileCount} files from ${report.directory} (deploy ${report.deployId}); the site is live at ${report.url}`,
      `Uploaded ${report.filesUploaded} files (${report.bytesUploaded} bytes); ${report.bytesSkipped} bytes were already on Hostsmith.`,
    ];
    if (report.resolvedRelative) {
      lines.push(
        `Note: "${args.directory}" was relative, so it was resolved against the server's working directory.`,
      );
    }
    if (report.skipped.length > 0) {
      const shown = report.skipped.slice(0, 10).join(', ');
      lines.push(
        `Left out: ${shown}${report.skipped.length > 10 ? `, and ${report.skipped.length - 10} more` : ''}.`,
      );
    }
    return { structured, text: lines.join('\n') };
  },
});

export const deployTools = [deployDirectory];

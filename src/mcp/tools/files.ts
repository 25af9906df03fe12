import * as z from 'zod/v4';
import { contentTypeOf } from '../../deploy/content-type.js';
import { MAX_FILE_BYTES, MAX_UPLOAD_CALL_BYTES } from '../../hostsmith/deploys.js';
import { FileSchema, type SiteFile } from '../../hostsmith/schemas.js';
import { fitCount, fitPage } from '../result-size.js';
import { defineTool } from '../tool.js';
import { filePathArg, partitionArg, siteIdArg } from './common.js';
import { CursorError, openCursor, sealCursor } from './cursor.js';

const FILES_DEFAULT_LIMIT = 100;
const FILES_MAX_LIMIT = 1000;

/** Where a listing stopped: after path `a`, in site `s`, under prefix `p`. */
const FilesCursor = z.strictObject({ s: z.string(), p: z.string(), a: z.string() });

const fileLine = (f: SiteFile) => `${f.path}  ${f.size} B  ${f.contentType}`;

export const listFiles = defineTool({
  name: 'list_files',
  title: 'List files',
  description:
    'A site\'s files, by path: path, size, sha256 and content type. Returns at most `limit` files (default 100, up to 1000), fewer when more would not fit one result; when there are more, pass the returned nextCursor as `cursor`. `prefix` keeps only paths that start with it (e.g. "img/").',
  inputSchema: z.object({
    site_id: siteIdArg,
    partition: partitionArg,
    prefix: z
      .string()
      .max(1024, { message: 'is over the 1024 characters a site path may have' })
      .optional()
      .describe('Only paths that start with this, e.g. "img/" or "blog/2024-".'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(FILES_MAX_LIMIT, {
        message: `at most ${FILES_MAX_LIMIT} files per call; pass nextCursor as cursor for more`,
      })
      .optional()
      .describe(`How many files at most (1–${FILES_MAX_LIMIT}, default ${FILES_DEFAULT_LIMIT}).`),
    cursor: z.string().min(1).optional().describe('nextCursor from a previous list_files call, to continue.'),
  }),
  outputSchema: z.object({
    files: z.array(FileSchema),
    total: z.number().int().describe('How many files match (the whole site without prefix).'),
    nextCursor: z.string().optional().describe('Pass as `cursor` to get the next files; absent at the end.'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler({ site_id, partition, prefix = '', limit = FILES_DEFAULT_LIMIT, cursor }, { api, signal }) {
    const after = cursor ? openCursor(FilesCursor, cursor) : undefined;
    if (after && (after.s !== site_id || after.p !== prefix)) {
      throw new CursorError(
        `cursor: it continues the listing of site ${after.s}${after.p ? ` under prefix "${after.p}"` : ''}; pass the same site_id and prefix as the call that returned it, or omit the cursor`,
      );
    }
    // The API answers the whole listing: page it here, in path order, so cursors stay valid.
    const matching = (await api.listFiles(site_id, partition, signal))
      .filter((f) => f.path.startsWith(prefix))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const rest = after ? matching.filter((f) => f.path > after.a) : matching;
    const wanted = rest.slice(0, limit);
    const start = matching.length - rest.length;
    const under = prefix ? ` under "${prefix}"` : '';
    const page = (n: number) => {
      const files = wanted.slice(0, n);
      const last = files[files.length - 1];
      const nextCursor =
        last && rest.length > files.length ? sealCursor({ s: site_id, p: prefix, a: last.path }) : undefined;
      const lines = files.map(fileLine);
      if (nextCursor) {
        const cut = files.length < wanted.length ? ' (cut to fit one result)' : '';
        lines.push(
          `Files ${start + 1}–${start + files.length} of ${matching.length}${under}${cut}. More: call again with cursor "${nextCursor}".`,
        );
      } else if (start > 0) {
        lines.push(
          `Files ${start + 1}–${start + files.length} of ${matching.length}${under}: the last page.`,
        );
      } else if (matching.length === 0) {
        lines.push(prefix ? `No files under "${prefix}".` : 'No files.');
      }
      return {
        structured: { files, total: matching.length, ...(nextCursor ? { nextCursor } : {}) },
        text: lines.join('\n'),
      };
    };
    return fitPage(fitCount(wanted, fileLine), page);
  },
});

export const uploadFiles = defineTool({
  name: 'upload_files',
  title: 'Upload files',
  description:
    'Write files to a site from content given here, replacing any file at the same path; other files stay. For text use encoding "utf8" (the default); for binary, base64 with encoding "base64". One call carries at most 25 MiB of content in all (counted decoded); for more, make several calls. To publish a whole folder from disk, or a larger site, use deploy_directory instead.',
  inputSchema: z.object({
    site_id: siteIdArg,
    partition: partitionArg,
    files: z
      .array(
        z.object({
          path: filePathArg,
          content: z.string().describe('The file content: text, or base64 when encoding is "base64".'),
          encoding: z.enum(['utf8', 'base64']).optional().describe('"utf8" (default) or "base64".'),
        }),
      )
      .min(1)
      .max(100)
      // Checked before anything is sent: the whole call is one stdin line, which has a limit.
      .superRefine((files, ctx) => {
        const total = files.reduce((sum, f) => sum + decodedBytes(f.content, f.encoding ?? 'utf8'), 0);
        if (total > MAX_UPLOAD_CALL_BYTES) {
          ctx.addIssue({
            code: 'custom',
            message: `${total} bytes of content in all is over the 25 MiB limit for one upload_files call: split the files over several calls, or publish a folder from disk with deploy_directory`,
          });
        }
      })
      .describe(
        'The files to write: 1 to 100, with at most 25 MiB of content in all (decoded). Larger sites go through deploy_directory.',
      ),
  }),
  outputSchema: z.object({
    files: z.array(FileSchema),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler({ site_id, partition, files }, { api, signal, progress }) {
    // Every file is checked before the first is written, so a bad one leaves the site as it was.
    const contents = files.map((file, i) => {
      const encoding = file.encoding ?? 'utf8';
      if (encoding === 'base64' && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(file.content.replace(/\s/g, ''))) {
        throw new Error(`files[${i}].content: is not valid base64 (encoding is "base64")`);
      }
      const bytes = Buffer.from(file.content, encoding);
      if (bytes.length > MAX_FILE_BYTES) {
        throw new Error(
          `files[${i}] (${file.path}): ${bytes.length} bytes is over the 25 MiB limit for one file`,
        );
      }
      return bytes;
    });
    const written = [];
    for (const [i, file] of files.entries()) {
      const bytes = contents[i]!;
      written.push(await api.putFile(site_id, file.path, bytes, contentTypeOf(file.path), partition, signal));
      await progress(`uploaded ${i + 1}/${files.length}: ${file.path}`);
    }
    return {
      structured: { files: written },
      text: written.map((f) => `wrote ${f.path} (${f.size} B)`).join('\n'),
    };
  },
});

/** The bytes a content string stands for, without decoding it (base64 may hold line breaks). */
function decodedBytes(content: string, encoding: 'utf8' | 'base64'): number {
  if (encoding === 'utf8') return Buffer.byteLength(content, 'utf8');
  return Buffer.byteLength(/\s/.test(content) ? content.replace(/\s/g, '') : content, 'base64');
}

export const deleteFile = defineTool({
  name: 'delete_file',
  title: 'Delete file',
  description:
    'Remove one file from a site. Where the client can show a form, the user is asked to confirm first, and a "no" ends the call with nothing deleted.',
  inputSchema: z.object({ site_id: siteIdArg, partition: partitionArg, path: filePathArg }),
  outputSchema: z.object({ deleted: z.literal(true), path: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler({ site_id, partition, path }, { api, signal, confirm }) {
    if (confirm) {
      const [site, files] = await Promise.all([
        api.getSite(site_id, partition, signal),
        api.listFiles(site_id, partition, signal),
      ]);
      // A path the site does not hold destroys nothing: the API's 404 says so, unasked.
      const file = files.find((f) => f.path === path);
      if (file) {
        await confirm({
          message: `Delete ${path} (${file.size} bytes) from site ${site.name} (${site.url})?`,
          action: `delete ${path} from site ${site.name}`,
          plan: { site: site.id, partition: site.partition, path, sha256: file.sha256 },
        });
      }
    }
    await api.deleteFile(site_id, path, partition, signal);
    return { structured: { deleted: true as const, path }, text: `Deleted ${path}.` };
  },
});

// upload_files' cap of 25 MiB of content per call, counted decoded, at its boundary: the input
// schema refuses one byte more, before any handler (and any request) runs.
import { describe, expect, it } from 'vitest';
import { MAX_UPLOAD_CALL_BYTES } from '../../src/hostsmith/deploys.js';
import { uploadFiles } from '../../src/mcp/tools/files.js';

const parse = (files: Array<{ path: string; content: string; encoding?: 'utf8' | 'base64' }>) =>
  uploadFiles.inputSchema.safeParse({ site_id: 'site_x', files });

describe('upload_files: 25 MiB of content per call', () => {
  it('takes exactly 25 MiB of text across files and refuses one byte more', () => {
    const half = 'a'.repeat(MAX_UPLOAD_CALL_BYTES / 2);
    expect(
      parse([
        { path: 'a', content: half },
        { path: 'b', content: half },
      ]).success,
    ).toBe(true);
    const over = parse([
      { path: 'a', content: half },
      { path: 'b', content: `${half}b` },
    ]);
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.message).toBe(
      `${MAX_UPLOAD_CALL_BYTES + 1} bytes of content in all is over the 25 MiB limit for one upload_files call: split the files over several calls, or publish a folder from disk with deploy_directory`,
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    const euro = '€'.repeat(MAX_UPLOAD_CALL_BYTES / 3 + 1); // three bytes each
    expect(parse([{ path: 'a', content: euro }]).success).toBe(false);
    expect(parse([{ path: 'a', content: euro.slice(1) }]).success).toBe(true);
  });

  it('counts base64 decoded, line breaks left out', () => {
    const exact = Buffer.alloc(MAX_UPLOAD_CALL_BYTES, 1).toString('base64');
    const wrapped = exact.replace(/.{76}/g, '$&\r\n');
    expect(parse([{ path: 'a', content: wrapped, encoding: 'base64' }]).success).toBe(true);
    const oneMore = Buffer.alloc(MAX_UPLOAD_CALL_BYTES + 1, 1).toString('base64');
    expect(parse([{ path: 'a', content: oneMore, encoding: 'base64' }]).success).toBe(false);
  });

  it('says so in the schema the model reads', () => {
    expect(uploadFiles.description).toMatch(/25 MiB of content in all/);
    expect(uploadFiles.inputSchema.shape.files.description).toMatch(/25 MiB .*deploy_directory/);
  });
});

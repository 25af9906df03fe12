// deploy_directory through the built server over stdio: its progress notifications say files and
// bytes of the total (hashing, then uploads), its digest cache lives beside the profile's
// oauth.json with mode 0600, and a second deploy of the same folder says every file was
// unchanged and not read.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/deploy/progress.js';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';

const env = await e2e();

describe('deploy_directory over stdio', () => {
  it('reports files and bytes as it goes, and remembers digests beside the credentials', async () => {
    const configDir = tempDir();
    const server = await env.server({ configDir });
    const site = ok<{ id: string }>(
      await server.client.callTool({ name: 'create_site', arguments: { name: `progress-${process.pid}` } }),
    );
    const root = tempDir('deploy-progress-');
    let total = 0;
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000); // written a minute ago
    for (let i = 0; i < 25; i++) {
      const bytes = randomBytes(1_000 + i * 4_000);
      await fs.writeFile(join(root, `f${i}.bin`), bytes);
      await fs.utimes(join(root, `f${i}.bin`), past, past);
      total += bytes.length;
    }
    // onprogress asks for progress; what the server sent is read off the wire (see progressSent).
    const deploy = async () => {
      const from = server.progressSent().length;
      const result = await server.client.callTool(
        { name: 'deploy_directory', arguments: { site_id: site.id, directory: root } },
        { onprogress: () => {} },
      );
      const updates = server.progressSent().slice(from);
      expect(new Set(updates.map((u) => u.progressToken)).size).toBe(1);
      return { structured: ok<{ filesUploaded: number; bytesUploaded: number }>(result), updates };
    };

    const first = await deploy();
    expect(first.structured).toMatchObject({ filesUploaded: 25, bytesUploaded: total });
    const messages = first.updates.map((u) => u.message);
    const size = formatBytes(total);
    expect(messages).toContain(`hashed 25 files, ${size}`);
    expect(messages).toContain(`uploaded 25/25 files, ${size} of ${size}`);
    expect(messages, JSON.stringify(messages)).toContain('published 25 files');
    // Every line on the way has the same shape: done/total files, bytes of bytes.
    for (const message of messages.filter((m) => m?.includes('/'))) {
      expect(message).toMatch(/^(hashed|uploaded) \d+\/25 files, [\d.]+ (B|KiB|MiB) of [\d.]+ (B|KiB|MiB)/);
    }
    expect(first.updates.map((u) => u.progress)).toEqual(
      [...first.updates.map((u) => u.progress)].sort((a, b) => a - b),
    );

    // Beside the profile's credentials, private.
    const folder = join(configDir, 'hostsmith-e2e', 'hostsmith');
    expect((await fs.readdir(folder)).filter((n) => !n.endsWith('.lock')).sort()).toEqual([
      'deploy-digests.json',
      'oauth.json',
    ]);
    expect((await fs.stat(join(folder, 'deploy-digests.json'))).mode & 0o777).toBe(0o600);

    const second = await deploy();
    expect(second.structured).toMatchObject({ filesUploaded: 0, bytesUploaded: 0 });
    expect(second.updates.map((u) => u.message)).toContain(
      `hashed 25 files, ${size} (25 unchanged since the last deploy, not read)`,
    );
    await server.close();
  });
});

// The tool catalogue as a client sees it: the staged server started with plain node, asked
// initialize and tools/list over stdio by the official client. The manifest lists what this
// answers, so it cannot drift from the code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export interface CatalogueTool {
  name: string;
  description?: string;
}

export async function toolCatalogue(entryPoint: string): Promise<CatalogueTool[]> {
  // A store folder of its own: listing tools reads no credentials, but nothing should touch the user's.
  const home = mkdtempSync(join(tmpdir(), 'hostsmith-mcpb-tools-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [entryPoint, '--storage', 'file'],
    env: { PATH: process.env.PATH ?? '', HOME: home, HOSTSMITH_MCP_CONFIG_DIR: home },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'hostsmith-mcpb-build', version: '1.0.0' });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    return tools.map((tool) => ({ name: tool.name, description: tool.description }));
  } finally {
    await client.close();
    rmSync(home, { recursive: true, force: true });
  }
}

// `npm run demo`: the whole journey, headless, against the local sandbox — the real server over
// stdio with the official SDK client, exactly as an MCP host runs it. The person's browser is
// played by the scripted browser, which follows the sign-in link the server prints.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startSandbox } from '../sandbox/index.js';
import { fileProtection } from '../src/store/protection.js';
import { completeSignIn } from '../test/helpers/scripted-browser.js';

const ROOT = resolve(import.meta.dirname, '..');
let stepNo = 0;
const step = (text: string) => process.stdout.write(`\n${++stepNo}. ${text}\n`);
const say = (text: string) => process.stdout.write(`   ${text}\n`);

type ToolResult = Awaited<ReturnType<Client['callTool']>>;
function structured<T>(result: ToolResult): T {
  if (result.isError) {
    const text = (result.content as Array<{ type: string; text?: string }>)
      .map((c) => c.text ?? '')
      .join('\n');
    throw new Error(`tool error: ${text}`);
  }
  return result.structuredContent as T;
}

async function main(): Promise<void> {
  step('Start the Hostsmith sandbox (auto-approve, free ports)');
  const sandbox = await startSandbox({ port: 0, autoApprove: true });
  say(`API ${sandbox.api}   sign-in ${sandbox.issuer}`);

  const configDir = mkdtempSync(join(tmpdir(), 'hostsmith-demo-'));
  try {
    step('Run the real server (bin/hostsmith-mcp.js) over stdio with the MCP SDK client');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(ROOT, 'bin/hostsmith-mcp.js'), '--storage', 'file', '--no-browser'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: configDir,
        HOSTSMITH_API_URL: sandbox.api,
        HOSTSMITH_MCP_CONFIG_DIR: configDir,
      },
      stderr: 'pipe',
    });
    // The sign-in link is printed on the server's stderr; the "person" opens it.
    let signedIn: Promise<unknown> | undefined;
    transport.stderr?.on('data', (chunk: Buffer) => {
      const link = /(http:\/\/127\.0\.0\.1:\d+\/start\/\S+)/.exec(chunk.toString())?.[1];
      if (link && !signedIn) {
        say(`the server printed the sign-in link: ${link}`);
        say('the browser follows it: sign-in and consent are auto-approved, then our loopback callback');
        signedIn = completeSignIn(link, { action: 'approve' });
      }
    });
    const client = new Client({ name: 'hostsmith-demo', version: '1.0.0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    say(`connected; ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}`);

    step('get_account — the first tool call signs in through the browser');
    const account = structured<{
      user: { email: string; homePartition: string };
      partitions: Record<string, unknown>;
    }>(await client.callTool({ name: 'get_account', arguments: {} }));
    await signedIn;
    say(`signed in as ${account.user.email}, home partition ${account.user.homePartition}`);
    say(
      `credentials stored in ${join(configDir, 'hostsmith-demo/hostsmith/oauth.json')} (${fileProtection()})`,
    );

    step('create_site');
    const name = `demo-${Date.now().toString(36)}`;
    const site = structured<{ id: string; name: string; partition: string; url: string }>(
      await client.callTool({ name: 'create_site', arguments: { name } }),
    );
    say(`created ${site.name} (${site.id}) in ${site.partition}`);

    step('deploy_directory examples/site');
    const deploy = structured<{
      fileCount: number;
      filesUploaded: number;
      bytesUploaded: number;
      url: string;
    }>(
      await client.callTool({
        name: 'deploy_directory',
        arguments: { site_id: site.id, partition: site.partition, directory: join(ROOT, 'examples/site') },
      }),
    );
    say(
      `${deploy.fileCount} files, ${deploy.filesUploaded} uploaded (${deploy.bytesUploaded} bytes) → ${deploy.url}`,
    );

    step('Fetch the site');
    const page = await fetch(deploy.url);
    const body = await page.text();
    if (page.status !== 200) throw new Error(`the site answered ${page.status}`);
    say(
      `${page.status} ${page.headers.get('content-type')}: ${/<title>(.*?)<\/title>/.exec(body)?.[1] ?? body.slice(0, 60)}`,
    );

    step('list_sites — both partitions, merged');
    const listed = structured<{ sites: Array<{ name: string; partition: string }> }>(
      await client.callTool({ name: 'list_sites', arguments: {} }),
    );
    for (const s of listed.sites) say(`${s.partition}  ${s.name}`);
    if (!listed.sites.some((s) => s.name === name)) throw new Error('the new site is not listed');

    await client.close();
    process.stdout.write('\nDone: every step succeeded.\n');
  } finally {
    await sandbox.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

// What every host test shares: the 11 tools the model must be offered, running a host's command
// with a time limit (its output captured for the secret scan), and the model's script: load the
// tools if the host defers them, call list_sites, wait for a person to finish signing in when the
// result is the sign-in link, call again, then end.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captured } from '../helpers/capture.js';
import { ROOT } from '../helpers/mcp-server.js';
import type { Script, Turn } from './scripted-model.js';

export const TOOLS = [
  'create_site',
  'delete_file',
  'delete_site',
  'deploy_directory',
  'get_account',
  'get_site',
  'list_domains',
  'list_files',
  'list_sites',
  'update_site',
  'upload_files',
] as const;

export interface HostRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a host command in its own process group, so that a timeout (or the end) stops whatever it
 * started too: Gemini CLI relaunches itself as a child, and a leftover child holding the pipes
 * would keep the run from ever ending.
 */
export function runHost(
  command: string,
  args: string[],
  opts: { env: Record<string, string>; cwd: string; timeoutMs?: number; input?: string },
): Promise<HostRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: opts.env, cwd: opts.cwd, detached: true, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs ?? 90_000);
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Leftovers of the host (never the servers it already stopped) would hold the pipes open.
      setTimeout(() => {
        killGroup();
        captured.push(stdout, stderr);
        if (timedOut) stderr += `\n[test] stopped after ${opts.timeoutMs ?? 90_000} ms`;
        resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr });
      }, 100);
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function show(r: HostRun): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** The sign-in link (the server's /start/<id> page on loopback) in a tool result, if any. */
export function signInLink(text: string): string | undefined {
  return text.match(/http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+/)?.[0];
}

export interface ListSitesScript {
  script: Script;
  /** The list_sites results the model saw, in order. */
  results: string[];
}

/**
 * The model's part. `name(tool)` is the host's name for one of our tools; `signIn(link)` is the
 * person finishing the sign-in when a result carries the link (the model then calls again).
 */
export function listSitesScript(opts: {
  name: (tool: string) => string;
  signIn?: (link: string) => Promise<void>;
}): ListSitesScript {
  const results: string[] = [];
  const listSites = opts.name('list_sites');
  const script: Script = async (turn: Turn) => {
    const ours = turn.results.filter((r) => r.name === undefined || r.name === listSites);
    const last = turn.results.at(-1);
    // Claude Code: the schemas are loaded with ToolSearch first, all 11 at once.
    if (!turn.tools.includes(listSites) && turn.deferred.includes(listSites) && turn.results.length === 0) {
      return {
        call: 'ToolSearch',
        args: { query: `select:${TOOLS.map(opts.name).join(',')}`, max_results: 20 },
      };
    }
    if (last === undefined || last.name === 'ToolSearch') return { call: listSites, args: {} };
    results.push(last.text);
    const link = signInLink(last.text);
    if (link && opts.signIn && ours.length < 3) {
      await opts.signIn(link);
      return { call: listSites, args: {} };
    }
    return { say: 'Done.' };
  };
  return { script, results };
}

export const TAP_SERVER = join(ROOT, 'test/hosts/tap-server.mjs');

export interface TapMessage {
  dir: 'in' | 'out';
  message: {
    id?: number | string;
    method?: string;
    params?: Record<string, unknown>;
    result?: Record<string, unknown>;
  };
}

/** The messages test/hosts/tap-server.mjs saw, in order ('in': from the host). */
export function readTap(log: string): TapMessage[] {
  if (!existsSync(log)) return [];
  const text = readFileSync(log, 'utf8');
  captured.push(text);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { dir: 'in' | 'out'; line: string })
    .map(({ dir, line }) => ({ dir, message: JSON.parse(line) as TapMessage['message'] }));
}

export interface HostInfo {
  protocolVersion?: string;
  clientInfo?: { name?: string; version?: string };
  capabilities?: Record<string, unknown>;
}

/**
 * Who the host said it is: its initialize request, or (2026-07-28, no initialize) the `_meta` of
 * its first request.
 */
export function hostInfo(tap: TapMessage[]): HostInfo {
  const init = tap.find((m) => m.dir === 'in' && m.message.method === 'initialize');
  if (init) return (init.message.params ?? {}) as HostInfo;
  const first = tap.find((m) => m.dir === 'in' && m.message.method);
  const meta = (first?.message.params?._meta ?? {}) as Record<string, unknown>;
  return {
    protocolVersion: meta['io.modelcontextprotocol/protocolVersion'] as string | undefined,
    clientInfo: meta['io.modelcontextprotocol/clientInfo'] as HostInfo['clientInfo'],
    capabilities: meta['io.modelcontextprotocol/clientCapabilities'] as HostInfo['capabilities'],
  };
}

type Params = Record<string, unknown>;

/**
 * Each elicitation the server asked for, with the host's answer: an elicitation/create request
 * answered by a response, or (2026-07-28) an input_required result answered in the retried
 * request's inputResponses.
 */
export function elicitations(tap: TapMessage[]): Array<{ params: Params; answer?: Params }> {
  const asked: Array<{ params: Params; answer?: Params }> = [];
  tap.forEach((m, i) => {
    if (m.dir !== 'out') return;
    if (m.message.method === 'elicitation/create') {
      const answer = tap.find((a) => a.dir === 'in' && a.message.id === m.message.id && !a.message.method);
      asked.push({ params: m.message.params ?? {}, answer: answer?.message.result });
      return;
    }
    const requests = m.message.result?.inputRequests as
      | Record<string, { method: string; params: Params }>
      | undefined;
    if (m.message.result?.resultType !== 'input_required' || !requests) return;
    const state = m.message.result.requestState;
    const retry = tap.slice(i + 1).find((a) => a.dir === 'in' && a.message.params?.requestState === state);
    const responses = retry?.message.params?.inputResponses as Record<string, Params> | undefined;
    for (const [key, request] of Object.entries(requests)) {
      if (request.method === 'elicitation/create')
        asked.push({ params: request.params, answer: responses?.[key] });
    }
  });
  return asked;
}

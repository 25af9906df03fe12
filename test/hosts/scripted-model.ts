// A small scripted model on 127.0.0.1 that speaks each host's model API: Anthropic Messages (SSE)
// for Claude Code, OpenAI Responses (SSE) for Codex, Gemini generateContent (SSE) for Gemini CLI.
// Each request is read into a Turn (the tools offered, the tool results so far) and the test's
// script answers with one Step: call a tool, or say something and end. Requests that carry no
// tools (titles, summaries, quota probes) get a plain text answer. Any other path is answered 404
// and logged in `unknown`, which a test asserts empty.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { captured } from '../helpers/capture.js';

export interface ToolResult {
  /** The tool's name as the host gave it to the model (when the dialect says). */
  name?: string;
  text: string;
}

export interface Turn {
  dialect: 'anthropic' | 'responses' | 'gemini';
  /** Tools offered with a schema, by the host's names. */
  tools: string[];
  /** Tools named to the model but whose schemas must be loaded first (Claude Code's ToolSearch). */
  deferred: string[];
  /** Every tool result in the conversation so far, oldest first. */
  results: ToolResult[];
  /** The request body, as sent. */
  body: unknown;
}

export type Step = { call: string; args: Record<string, unknown> } | { say: string };
export type Script = (turn: Turn) => Step | Promise<Step>;

export interface ScriptedModel {
  url: string;
  /** The requests that carried tools (the agent loop), in order. */
  turns: Turn[];
  /** Every request received: "POST /v1/messages?beta=true". */
  requests: string[];
  /** Requests this model does not serve (answered 404). */
  unknown: string[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The text of a tool result's content: a string, or text blocks (any dialect's shape). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => textOf(c)).join('\n');
  if (content && typeof content === 'object') {
    const c = content as Json;
    if (typeof c.text === 'string') return c.text;
    return JSON.stringify(c);
  }
  return '';
}

// --- Anthropic Messages -------------------------------------------------------------------------

function anthropicTurn(body: Json): Turn {
  const messages = asArray(body.messages);
  const names = new Map<string, string>();
  const results: ToolResult[] = [];
  const texts: string[] = [textOf(body.system)];
  for (const message of messages) {
    const content = message.content;
    if (typeof content === 'string') {
      texts.push(content);
      continue;
    }
    for (const block of asArray(content)) {
      if (block.type === 'text') texts.push(String(block.text));
      if (block.type === 'tool_use') names.set(String(block.id), String(block.name));
      if (block.type === 'tool_result') {
        results.push({ name: names.get(String(block.tool_use_id)), text: textOf(block.content) });
      }
    }
  }
  // Deferred tools are listed one per line in a system or reminder text.
  const deferred = [...new Set(texts.join('\n').match(/^mcp__[\w-]+$/gm) ?? [])];
  return {
    dialect: 'anthropic',
    tools: asArray(body.tools).map((t) => String(t.name)),
    deferred,
    results,
    body,
  };
}

function anthropicAnswer(res: ServerResponse, body: Json, step: Step): void {
  const block =
    'call' in step
      ? { type: 'tool_use', id: `toolu_${Math.random().toString(36).slice(2)}`, name: step.call, input: {} }
      : { type: 'text', text: '' };
  const stop = 'call' in step ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: 1, output_tokens: 1 };
  const message = { id: 'msg_scripted', type: 'message', role: 'assistant', model: body.model };
  if (!body.stream) {
    const content = 'call' in step ? { ...block, input: step.args } : { type: 'text', text: step.say };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ ...message, content: [content], stop_reason: stop, stop_sequence: null, usage }),
    );
    return;
  }
  const delta =
    'call' in step
      ? { type: 'input_json_delta', partial_json: JSON.stringify(step.args) }
      : { type: 'text_delta', text: step.say };
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const events: Array<[string, Json]> = [
    [
      'message_start',
      { message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage } },
    ],
    ['content_block_start', { index: 0, content_block: block }],
    ['content_block_delta', { index: 0, delta }],
    ['content_block_stop', { index: 0 }],
    ['message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 1 } }],
    ['message_stop', {}],
  ];
  for (const [event, data] of events)
    res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  res.end();
}

// --- OpenAI Responses (Codex) -------------------------------------------------------------------

function responsesTurn(body: Json): Turn {
  const names = new Map<string, string>();
  const results: ToolResult[] = [];
  for (const item of asArray(body.input)) {
    if (item.type === 'function_call') names.set(String(item.call_id), qualified(item));
    if (item.type === 'function_call_output') {
      results.push({ name: names.get(String(item.call_id)), text: textOf(item.output) });
    }
  }
  // Function tools by name; Codex puts an MCP server's tools in a namespace (`mcp__hostsmith`),
  // named here `<namespace>__<tool>`, and the call names both.
  const tools: string[] = [];
  for (const tool of asArray(body.tools)) {
    if (tool.type === 'namespace') {
      for (const inner of asArray(tool.tools))
        tools.push(qualified({ namespace: tool.name, name: inner.name }));
    } else if (typeof tool.name === 'string') tools.push(tool.name);
  }
  return { dialect: 'responses', tools, deferred: [], results, body };
}

function qualified(item: Json): string {
  return item.namespace ? `${String(item.namespace)}__${String(item.name)}` : String(item.name);
}

function responsesAnswer(res: ServerResponse, body: Json, step: Step): void {
  const id = `resp_${Math.random().toString(36).slice(2)}`;
  let call: Json = {};
  if ('call' in step) {
    call = { name: step.call };
    for (const tool of asArray(body.tools)) {
      if (tool.type !== 'namespace' || !step.call.startsWith(`${String(tool.name)}__`)) continue;
      call = { namespace: tool.name, name: step.call.slice(String(tool.name).length + 2) };
    }
  }
  const item =
    'call' in step
      ? {
          type: 'function_call',
          id: `fc_${id}`,
          call_id: `call_${id}`,
          ...call,
          arguments: JSON.stringify(step.args),
        }
      : {
          type: 'message',
          id: `msg_${id}`,
          role: 'assistant',
          content: [{ type: 'output_text', text: step.say, annotations: [] }],
        };
  const usage = {
    input_tokens: 1,
    input_tokens_details: null,
    output_tokens: 1,
    output_tokens_details: null,
    total_tokens: 2,
  };
  const events: Json[] = [
    { type: 'response.created', response: { id } },
    { type: 'response.output_item.done', output_index: 0, item },
    { type: 'response.completed', response: { id, usage } },
  ];
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  res.end();
}

// --- Gemini generateContent (Gemini CLI) ------------------------------------------------------

function geminiTurn(body: Json): Turn {
  const results: ToolResult[] = [];
  for (const content of asArray(body.contents)) {
    for (const part of asArray(content.parts)) {
      const response = part.functionResponse as Json | undefined;
      if (response) results.push({ name: String(response.name), text: textOf(response.response) });
    }
  }
  const tools = asArray(body.tools).flatMap((t) =>
    asArray(t.functionDeclarations).map((f) => String(f.name)),
  );
  return { dialect: 'gemini', tools, deferred: [], results, body };
}

function geminiAnswer(res: ServerResponse, step: Step, stream: boolean): void {
  const part = 'call' in step ? { functionCall: { name: step.call, args: step.args } } : { text: step.say };
  const answer = {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
    modelVersion: 'scripted',
  };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end(`data: ${JSON.stringify(answer)}\r\n\r\n`);
}

// --- the server ---------------------------------------------------------------------------------

export async function startScriptedModel(script: Script): Promise<ScriptedModel> {
  const turns: Turn[] = [];
  const requests: string[] = [];
  const unknown: string[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const line = `${req.method} ${req.url}`;
    requests.push(line);
    const raw = await readBody(req);
    captured.push(raw);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'POST' && path === '/v1/messages') {
      const body = JSON.parse(raw) as Json;
      const turn = anthropicTurn(body);
      if (turn.tools.length === 0) return anthropicAnswer(res, body, { say: 'ok' });
      turns.push(turn);
      return anthropicAnswer(res, body, await script(turn));
    }
    if (req.method === 'POST' && path === '/v1/responses') {
      const body = JSON.parse(raw) as Json;
      const turn = responsesTurn(body);
      if (turn.tools.length === 0) return responsesAnswer(res, body, { say: 'ok' });
      turns.push(turn);
      return responsesAnswer(res, body, await script(turn));
    }
    const gemini = path.match(/^\/v1beta\/models\/[\w.-]+:(streamGenerateContent|generateContent)$/);
    if (req.method === 'POST' && gemini) {
      const body = JSON.parse(raw) as Json;
      const stream = gemini[1] === 'streamGenerateContent';
      const turn = geminiTurn(body);
      if (turn.tools.length === 0) return geminiAnswer(res, { say: 'ok' }, stream);
      turns.push(turn);
      return geminiAnswer(res, await script(turn), stream);
    }
    unknown.push(line);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not scripted"}');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      unknown.push(`${req.method} ${req.url}: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    turns,
    requests,
    unknown,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

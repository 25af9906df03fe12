// What a tool is: a schema, a description written for the model, and a short handler.
// server.ts registers every ToolDef, and wraps each handler with the sign-in experience and the
// error mapping, so handlers only speak to the Hostsmith client and may simply throw.
import type * as z from 'zod/v4';
import type { HostsmithClient } from '../hostsmith/client.js';
import type { Confirm } from './confirm.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint?: boolean;
}

export interface ToolContext {
  api: HostsmithClient;
  /** The profile this server signs in under (--profile, else "default"; tests may leave it out). */
  profile?: string;
  /** The deploy digest cache's file (see deploy/digest-cache.ts); none: every file is read. */
  digestCache?: string;
  /** Aborted when the client cancels the call or disconnects. */
  signal: AbortSignal;
  /** Report a step to the client (a no-op when it sent no progressToken). */
  progress(message: string): Promise<void>;
  /**
   * Ask the person before destroying something (see confirm.ts). Absent where nobody can be
   * asked from here (--confirm never, or a client without form elicitation): then the host's
   * own approval of a destructiveHint tool stands for it, and the tool need not fetch anything
   * to word a question.
   */
  confirm?: Confirm;
}

/** An MCP ResourceLink content item: where the result can be seen (a site's URL). */
export interface ResourceLink {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export interface ToolResult<O> {
  structured: O;
  /** A short rendering for people and for models that read only text. */
  text: string;
  /** Links to put in the result's content after the text. */
  links?: ResourceLink[];
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds tools of every shape
export type AnyToolDef = ToolDef<any, any>;

export interface ToolDef<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolAnnotations;
  handler(args: z.infer<I>, ctx: ToolContext): Promise<ToolResult<z.infer<O>>>;
}

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(def: ToolDef<I, O>): ToolDef<I, O> {
  return def;
}

// What a tool is: a schema, a description written for the model, and a short handler.
// server.ts registers every ToolDef, and wraps each handler with the sign-in experience and the
// error mapping, so handlers only speak to the Hostsmith client and may simply throw.
import type * as z from 'zod/v4';
import type { HostsmithClient } from '../hostsmith/client.js';

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
  /** Aborted when the client cancels the call or disconnects. */
  signal: AbortSignal;
  /** Report a step to the client (a no-op when it sent no progressToken). */
  progress(message: string): Promise<void>;
}

export interface ToolResult<O> {
  structured: O;
  /** A short rendering for people and for models that read only text. */
  text: string;
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

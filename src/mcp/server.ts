// The MCP server: registers every tool, and wraps each handler with what every call shares —
// finding the person's workspace (store, session, API client) for this MCP client, the sign-in
// experience, and turning failures into tool errors a model can act on.
import {
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  McpServer,
} from '@modelcontextprotocol/server';
import type { BrowserResult } from '../auth/browser.js';
import type { Session } from '../auth/types.js';
import type { ConfirmMode } from '../config.js';
import type { HostsmithClient } from '../hostsmith/client.js';
import type { Logger } from '../log.js';
import { DEFAULT_PROFILE } from '../store/profile.js';
import { withBuiltJsonSchema } from './built-schemas.js';
import {
  CONFIRM_INPUT,
  ConfirmationNeeded,
  type ConfirmState,
  confirmForm,
  createConfirmer,
  hasFormElicitation,
} from './confirm.js';
import { type ConnectionState, newConnectionState, type SignInState } from './connection-state.js';
import { createSignInDialogs, SIGN_IN_MESSAGE } from './elicitation.js';
import { lazyRequestStateCodec } from './lazy-crypto.js';
import { capResult } from './result-size.js';
import { SignInNeedsElicitation, type SignInUi, withSignIn } from './sign-in.js';
import { withStepUp } from './step-up.js';
import type { AnyToolDef, ResourceLink, ToolContext } from './tool.js';
import { toolErrorText } from './tool-error.js';
import { ALL_TOOLS } from './tools/index.js';

export const INSTRUCTIONS = `Manage the user's Hostsmith static sites: list, create, update and delete sites, upload files, deploy a local folder, list domains.

Partitions: Hostsmith keeps data in two regions, "us" and "eu". Every user has a home partition. Each tool takes an optional "partition": omit it to use the user's home partition, or pass "us" or "eu" to target one. list_sites, list_domains and get_account search both partitions when "partition" is omitted. Before creating a site, call get_account to learn the user's homePartition, and pass "partition" only if the user asked for the other region. A site lives in exactly one partition: pass the site's "partition" (as listed) with its "site_id".

Sign-in: the first call signs the user in through their browser. If a tool answers that sign-in is pending, ask the user to finish it with the link given, then call the tool again.`;

/** What one MCP client's tool calls run against; built once, on the first tool call. */
export interface Workspace {
  /** The client folder its credentials live in (from --client, or the MCP client's name). */
  clientFolder: string;
  /** The profile within it (see store/profile.ts): tool results that name the account say it. */
  profile?: string;
  session: Session;
  api: HostsmithClient;
  /** Where deploys remember file digests, beside the credentials (deploy/digest-cache.ts). */
  digestCache?: string;
}

export interface ServerOptions {
  version: string;
  /** The client folder name to use for this connection (from --client, or the client's own name). */
  workspaceFor(clientName: string | undefined): Promise<Workspace>;
  signInWaitMs: number;
  /** Launch a browser on a link (for a sign-in the client was asked to show and did not). */
  openBrowser(url: string): Promise<BrowserResult>;
  /**
   * The terminal command that signs in where this server looks, for a client folder, and where
   * to type it ("a terminal", "PowerShell"): see login-command.ts.
   */
  loginCommand(clientFolder: string): { command: string; shell: string };
  log: Logger;
  /** Ask before destroying where the client can (auto, the default), or never (see confirm.ts). */
  confirm?: ConfirmMode;
  tools?: readonly AnyToolDef[];
  /** Whether a 403 insufficient_scope starts a step-up sign-in (not for a read-only server). */
  stepUp?: boolean;
  /**
   * Listen to the credential store's "still waiting" notices (a macOS keychain dialog waiting on
   * the person) while a tool call runs: each one becomes a progress notification. Returns the
   * unsubscribe function.
   */
  subscribeStoreWaits?(listener: (message: string) => void): () => void;
  /**
   * What one connection remembers between calls. A stdio connection, or a 2025 HTTP session,
   * is one server, which makes its own; 2026-07-28 over HTTP builds a server per request, and
   * hands each the same one so that a round's requestState verifies on the next request.
   */
  connection?: ConnectionState;
}

type CallResult = {
  content: Array<{ type: 'text'; text: string } | ({ type: 'resource_link' } & ResourceLink)>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

const CLIENT_INFO_KEY = 'io.modelcontextprotocol/clientInfo';
const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
/** The key of our one input request: the sign-in link shown through URL-mode elicitation. */
const SIGN_IN_INPUT = 'hostsmith_sign_in';

export { type ConnectionState, newConnectionState, SIGN_IN_MESSAGE };

export function createServer(opts: ServerOptions): McpServer {
  // 2026-07-28: the sign-in link an inputRequired round showed, and when it was shown (ms since
  // the epoch), travel to the client and back in requestState, sealed (HMAC) so that a client
  // can neither forge nor alter them. The key lives as long as the connection's state.
  const connection = opts.connection ?? newConnectionState();
  const signInState = lazyRequestStateCodec<SignInState>(() => ({
    key: connection.requestStateKey,
    ttlSeconds: 600,
  }));
  // Confirmations of destructive calls ride the same sealed requestState (same key, so the one
  // verify hook above checks both); a payload carries either a sign-in's fields or `confirm`.
  const confirmState = lazyRequestStateCodec<ConfirmState>(() => ({
    key: connection.requestStateKey,
    ttlSeconds: 600,
  }));
  const server = new McpServer(
    { name: 'hostsmith-mcp', title: 'Hostsmith', version: opts.version },
    { instructions: INSTRUCTIONS, requestState: { verify: signInState.verify } },
  );

  // Per connection: one URL-elicitation dialog per sign-in link (2025: it lives in one server),
  // the links already accepted, and those the client answered for the person without showing them.
  const showSignIn = createSignInDialogs();
  const { acceptedLinks, notShownLinks } = connection;
  const openBrowser = async (url: string) => {
    const launched = await opts.openBrowser(url).catch((error: Error) => ({
      launched: false,
      reason: error.message,
    }));
    if (!launched.launched) {
      opts.log.info(
        `Not opening a browser: ${launched.reason ?? 'unknown reason'}. Open the link yourself: ${url}`,
      );
    }
  };

  for (const tool of opts.tools ?? ALL_TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: withBuiltJsonSchema(tool.name, 'input', tool.inputSchema),
        outputSchema: withBuiltJsonSchema(tool.name, 'output', tool.outputSchema),
        annotations: tool.annotations,
      },
      async (args, ctx): Promise<CallResult | InputRequiredResult> => {
        const signal = ctx.mcpReq.signal;
        const progressToken = ctx.mcpReq._meta?.progressToken;
        let step = 0;
        const progress = async (message: string) => {
          if (progressToken === undefined) return;
          step += 1;
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress: step, message },
          });
        };
        let workspace: Workspace | undefined;
        const stopWaits = opts.subscribeStoreWaits?.((message) => void progress(message).catch(() => {}));
        try {
          // The 2026-07-28 protocol carries the client's identity on every request; 2025 in initialize.
          const envelope = ctx.mcpReq.envelope as
            | Record<string, { name?: unknown; elicitation?: { url?: unknown } } | undefined>
            | undefined;
          const perRequestName = envelope?.[CLIENT_INFO_KEY]?.name;
          const clientName =
            typeof perRequestName === 'string' ? perRequestName : server.server.getClientVersion()?.name;
          const capabilities = envelope?.[CLIENT_CAPABILITIES_KEY] ?? server.server.getClientCapabilities();
          const confirm = createConfirmer({
            mode: opts.confirm ?? 'auto',
            form: hasFormElicitation(capabilities),
            tool: tool.name,
            args,
            ...(envelope !== undefined
              ? {
                  modern: {
                    answer: inputResponse(ctx.mcpReq.inputResponses, CONFIRM_INPUT),
                    state: ctx.mcpReq.requestState<Partial<ConfirmState>>(),
                    seal: (state: ConfirmState) => confirmState.mint(state),
                  },
                }
              : {}),
            elicit: (params, options) => ctx.mcpReq.elicitInput(params, options),
            progress,
            signal,
          });
          const answer = inputResponse(ctx.mcpReq.inputResponses, SIGN_IN_INPUT);
          // Only an answer to a round of ours counts: it comes back with the link it was about.
          const state = ctx.mcpReq.requestState<SignInState>();
          const answeredLink = state?.link;
          const ui: SignInUi = {
            elicitation: capabilities?.elicitation?.url !== undefined,
            answer: answer.kind === 'elicit' && answeredLink !== undefined ? answer.action : 'missing',
            accepted: acceptedLinks,
            notShown: notShownLinks,
            ...(answeredLink !== undefined ? { answeredLink } : {}),
            ...(state?.shownAt !== undefined ? { answeredAfterMs: Date.now() - state.shownAt } : {}),
          };
          workspace = await opts.workspaceFor(clientName);
          const { api, session, profile, digestCache } = workspace;
          const toolCtx: ToolContext = {
            api,
            profile: profile ?? DEFAULT_PROFILE,
            ...(digestCache !== undefined ? { digestCache } : {}),
            signal,
            progress,
            ...(confirm ? { confirm } : {}),
          };
          const attempt = (attemptUi: SignInUi, onSignedIn?: () => Promise<void>) =>
            withSignIn(
              withStepUp(() => tool.handler(args, toolCtx), session, opts.stepUp === true),
              {
                session,
                ui: attemptUi,
                waitMs: opts.signInWaitMs,
                progress,
                signal,
                log: opts.log,
                onSignedIn,
                openBrowser,
              },
            );
          let result: Awaited<ReturnType<typeof attempt>>;
          try {
            result = await attempt(ui);
          } catch (error) {
            // 2025-11-25: ask in the middle of the call, and say "complete" when the callback
            // arrives. (2026-07-28 has no server→client request: the client calls again, below.)
            if (!(error instanceof SignInNeedsElicitation) || envelope !== undefined) throw error;
            const elicited = await showSignIn({
              url: error.url,
              elicit: (params, options) => ctx.mcpReq.elicitInput(params, options),
              completionNotifier: (elicitationId) =>
                server.server.createElicitationCompletionNotifier(elicitationId, {
                  relatedRequestId: ctx.mcpReq.id,
                }),
              progress,
              signal,
              log: opts.log,
            });
            result =
              elicited.answer === undefined
                ? await attempt({ elicitation: false, answer: 'missing' })
                : await attempt(
                    {
                      elicitation: true,
                      answer: elicited.answer,
                      accepted: acceptedLinks,
                      notShown: notShownLinks,
                      ...(elicited.afterMs !== undefined ? { answeredAfterMs: elicited.afterMs } : {}),
                    },
                    // Only a dialog the person accepted is one to tell "complete" about.
                    elicited.answer === 'accept' ? elicited.complete : undefined,
                  );
          }
          return capResult(tool, {
            content: [
              { type: 'text', text: result.text },
              ...(result.links ?? []).map((link) => ({ type: 'resource_link' as const, ...link })),
            ],
            structuredContent: result.structured as Record<string, unknown>,
          });
        } catch (error) {
          if (error instanceof ConfirmationNeeded) {
            // 2026-07-28: the client asks the person, then calls again with the answer.
            return inputRequired({
              inputRequests: { [CONFIRM_INPUT]: inputRequired.elicit(confirmForm(error.question)) },
              requestState: error.requestState,
            });
          }
          if (error instanceof SignInNeedsElicitation) {
            // 2026-07-28: the client shows the link, then calls again with its answer.
            return inputRequired({
              inputRequests: {
                [SIGN_IN_INPUT]: inputRequired.elicitUrl({ message: SIGN_IN_MESSAGE, url: error.url }),
              },
              requestState: await signInState.mint({ link: error.url, shownAt: Date.now() }),
            });
          }
          const login = workspace && opts.loginCommand(workspace.clientFolder);
          return capResult(tool, {
            content: [{ type: 'text', text: toolErrorText(error, opts.log, login) }],
            isError: true,
          });
        } finally {
          stopWaits?.();
        }
      },
    );
  }
  return server;
}

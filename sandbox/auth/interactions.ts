// The sign-in and consent steps of an authorization request, at /interaction/{uid}.
// oidc-provider sends the browser here whenever it needs the person; each step ends with
// interactionFinished(), which redirects the browser back to the authorization endpoint.
// In auto-approve mode no page is shown, but the browser still travels every redirect.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, Provider } from 'oidc-provider';
import type { SandboxUser } from '../types.js';
import { consentPage, errorPage, signInPage } from './pages.js';

export interface InteractionOptions {
  provider: Provider;
  users: readonly SandboxUser[];
  password: string;
  autoApprove: boolean;
  autoApproveUser: string;
}

const PREFIX = '/interaction/';
const MAX_FORM_BYTES = 16 * 1024;

export function isInteractionPath(path: string): boolean {
  return path.startsWith(PREFIX);
}

class PageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The pages are self-contained: nothing may load from elsewhere, nobody may frame them.
    'content-security-policy':
      // form-action also governs where the submission may redirect: on to the client's loopback
      // callback (any port, RFC 8252), which a real browser would otherwise block.
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://127.0.0.1:* http://localhost:* http://[::1]:*; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  });
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new PageError(
      415,
      'unsupported_media_type',
      'the form must be sent as application/x-www-form-urlencoded',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new PageError(413, 'payload_too_large', 'the form is too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function createInteractions(opts: InteractionOptions) {
  const { provider, users } = opts;
  const userById = (id: string | undefined) => users.find((u) => u.id === id);
  const userByEmail = (email: string) => users.find((u) => u.email === email.trim().toLowerCase());

  async function clientName(details: InteractionDetails): Promise<string> {
    const clientId = String(details.params.client_id ?? '');
    const client = await provider.Client.find(clientId);
    return client?.clientName ?? clientId;
  }

  async function details(req: IncomingMessage, res: ServerResponse, uid: string) {
    let found: InteractionDetails;
    try {
      found = await provider.interactionDetails(req, res);
    } catch {
      throw new PageError(400, 'interaction_expired', 'This sign-in has expired or was already finished.');
    }
    // The cookie names the interaction; the URL must name the same one.
    if (found.uid !== uid)
      throw new PageError(400, 'interaction_mismatch', 'This sign-in page is out of date.');
    return found;
  }

  function finishLogin(req: IncomingMessage, res: ServerResponse, user: SandboxUser) {
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.id } },
      { mergeWithLastSubmission: false },
    );
  }

  async function finishConsent(req: IncomingMessage, res: ServerResponse, found: InteractionDetails) {
    const accountId = found.session?.accountId;
    const clientId = found.params.client_id;
    if (!accountId || !clientId) throw new PageError(400, 'no_session', 'Sign in first.');
    const grant =
      (found.grantId ? await provider.Grant.find(found.grantId) : undefined) ??
      new provider.Grant({ accountId, clientId });
    const missing = found.prompt.details;
    if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  function deny(req: IncomingMessage, res: ServerResponse, description: string) {
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: description },
      { mergeWithLastSubmission: false },
    );
  }

  /** The sign-in page of interaction `uid`, first shown or shown again with an error. */
  async function showSignIn(
    res: ServerResponse,
    uid: string,
    found: Awaited<ReturnType<typeof details>>,
    extra: { email?: string; error?: string },
  ) {
    const page = signInPage({
      action: `${PREFIX}${uid}/login`,
      clientName: await clientName(found),
      users,
      password: opts.password,
      ...extra,
    });
    return send(res, 200, page);
  }

  async function show(req: IncomingMessage, res: ServerResponse, uid: string) {
    const found = await details(req, res, uid);
    const prompt = found.prompt.name;
    if (opts.autoApprove) {
      if (prompt === 'login') {
        const user = userByEmail(opts.autoApproveUser);
        if (!user)
          throw new PageError(500, 'no_user', `auto-approve user ${opts.autoApproveUser} is unknown`);
        return finishLogin(req, res, user);
      }
      if (prompt === 'consent') return finishConsent(req, res, found);
    }
    if (prompt === 'login') {
      const hint = found.params.login_hint;
      return showSignIn(res, uid, found, typeof hint === 'string' ? { email: hint } : {});
    }
    if (prompt === 'consent') {
      const user = userById(found.session?.accountId);
      if (!user) throw new PageError(400, 'no_session', 'Sign in first.');
      const client = await provider.Client.find(String(found.params.client_id ?? ''));
      const scopes = new Set(String(found.params.scope ?? '').split(' '));
      scopes.delete('');
      // oidc-provider drops offline_access from the request unless prompt=consent, but the
      // sandbox issues refresh tokens to every client allowed them: say so on the page.
      if (client?.grantTypeAllowed('refresh_token')) scopes.add('offline_access');
      return send(
        res,
        200,
        consentPage({
          action: `${PREFIX}${uid}/consent`,
          clientName: client?.clientName ?? String(found.params.client_id ?? ''),
          user,
          scopes: [...scopes],
        }),
      );
    }
    throw new PageError(
      400,
      'unknown_prompt',
      `The server asked for "${prompt}", which this sandbox cannot do.`,
    );
  }

  async function login(req: IncomingMessage, res: ServerResponse, uid: string) {
    const form = await readForm(req);
    const found = await details(req, res, uid);
    if (found.prompt.name !== 'login') throw new PageError(400, 'wrong_step', 'You are already signed in.');
    if (form.has('deny')) return deny(req, res, 'the user cancelled the sign-in');
    const email = form.get('email') ?? '';
    const user = userByEmail(email);
    if (!user || form.get('password') !== opts.password) {
      return showSignIn(res, uid, found, { email, error: 'Wrong email or password.' });
    }
    return finishLogin(req, res, user);
  }

  async function consent(req: IncomingMessage, res: ServerResponse, uid: string) {
    const form = await readForm(req);
    const found = await details(req, res, uid);
    if (found.prompt.name !== 'consent') throw new PageError(400, 'wrong_step', 'Sign in first.');
    if (form.has('approve')) return finishConsent(req, res, found);
    if (form.has('deny')) return deny(req, res, 'the user denied the request');
    throw new PageError(400, 'invalid_request', 'Choose Approve or Deny.');
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const [uid, step, ...rest] = path.slice(PREFIX.length).split('/');
    const method = req.method ?? 'GET';
    if (!uid || rest.length > 0) throw new PageError(404, 'not_found', 'There is no such page.');
    if (step === undefined && (method === 'GET' || method === 'HEAD')) return show(req, res, uid);
    if (step === 'login' && method === 'POST') return login(req, res, uid);
    if (step === 'consent' && method === 'POST') return consent(req, res, uid);
    throw new PageError(405, 'method_not_allowed', `${method} is not allowed here.`);
  }

  return function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = error instanceof PageError ? error.status : 500;
      const code = error instanceof PageError ? error.code : 'server_error';
      const message = error instanceof PageError ? error.message : 'The sandbox failed; see its stderr.';
      if (!(error instanceof PageError)) {
        process.stderr.write(`sandbox auth: interaction failed: ${String(error)}\n`);
      }
      send(res, status, errorPage(code, message));
    });
  };
}

// A plain-HTTP "browser" for sign-in tests: follows redirects, keeps cookies (per host, with
// paths, as a browser does: ports share them), reads pages and submits their forms. It stops
// after it has requested a loopback `/callback` URL (the client's redirect URI): the client's
// own loopback server answers that request, and its response is what `open`/`submit` return.
//
//   const browser = new ScriptedBrowser();
//   let page = await browser.open(authorizationUrl);        // → the sign-in page
//   page = await browser.submit(page, 'login', { email, password }, 'login');
//   page = await browser.submit(page, 'consent', {}, 'approve');   // page.isCallback === true
//
//   // or all in one, for the interactive pages and auto-approve alike:
//   const callback = await completeSignIn(authorizationUrl, { email: 'lin@example.com', action: 'deny' });
//   new URL(callback.url).searchParams.get('error')  // 'access_denied'
//
// Pages: sign-in <form id="login"> (email, password; buttons login/deny), consent
// <form id="consent"> (buttons approve/deny). See sandbox/auth/pages.ts.
import { type Dispatcher, fetch as undiciFetch } from 'undici';
import { SANDBOX_PASSWORD } from '../../sandbox/users.js';

export interface Page {
  /** The URL this response came from (after every redirect). */
  url: string;
  status: number;
  headers: Headers;
  body: string;
  /** True when this is the response of the client's loopback callback. */
  isCallback: boolean;
}

export interface FormField {
  name: string;
  value: string;
  type: string;
}

export interface Form {
  id: string | undefined;
  method: string;
  action: string;
  fields: FormField[];
  buttons: FormField[];
}

export interface BrowserOptions {
  /** Which URLs are the client's callback; default: a loopback host with path /callback. */
  isCallback?: (url: URL) => boolean;
  /** Every URL requested, in order (also available as browser.visited). */
  onRequest?: (url: string) => void;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  maxRedirects?: number;
  /** Send every request through this undici dispatcher (a proxy agent); default: Node's fetch. */
  dispatcher?: Dispatcher;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLoopbackCallback(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK.has(url.hostname) && url.pathname === '/callback';
}

interface Cookie {
  name: string;
  value: string;
  path: string;
  expires: number | null; // ms
}

/** Cookies per host name (not port: browsers share cookies across ports). */
class CookieJar {
  readonly #hosts = new Map<string, Cookie[]>();

  store(url: URL, setCookies: string[]): void {
    const list = this.#hosts.get(url.hostname) ?? [];
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = {
        name: pair.slice(0, eq).trim(),
        value: pair.slice(eq + 1).trim(),
        path: defaultPath(url),
        expires: null,
      };
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=', 2).map((s) => s.trim());
        const key = k.toLowerCase();
        if (key === 'path' && v.startsWith('/')) cookie.path = v;
        else if (key === 'max-age' && /^-?\d+$/.test(v)) cookie.expires = Date.now() + Number(v) * 1000;
        else if (key === 'expires' && cookie.expires === null) {
          const t = Date.parse(v);
          if (!Number.isNaN(t)) cookie.expires = t;
        }
      }
      const rest = list.filter((c) => !(c.name === cookie.name && c.path === cookie.path));
      if (cookie.expires === null || cookie.expires > Date.now()) rest.push(cookie);
      list.splice(0, list.length, ...rest);
    }
    this.#hosts.set(url.hostname, list);
  }

  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = (this.#hosts.get(url.hostname) ?? [])
      .filter((c) => (c.expires === null || c.expires > now) && pathMatches(url.pathname, c.path))
      // RFC 6265 §5.4: longer paths first.
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

function defaultPath(url: URL): string {
  const i = url.pathname.lastIndexOf('/');
  return i <= 0 ? '/' : url.pathname.slice(0, i);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const lower = e.toLowerCase();
    if (lower === 'amp') return '&';
    if (lower === 'lt') return '<';
    if (lower === 'gt') return '>';
    if (lower === 'quot') return '"';
    if (lower === 'apos') return "'";
    return String.fromCodePoint(
      lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number(lower.slice(1)),
    );
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  // Skip the tag name itself.
  const inner = tag.replace(/^<\s*[a-zA-Z]+/, '').replace(/\/?>$/, '');
  for (const m of inner.matchAll(re)) {
    const name = m[1];
    if (name) out[name.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

/** The forms of an HTML page: enough HTML for the sandbox's pages and most simple ones. */
export function parseForms(html: string, baseUrl: string): Form[] {
  const forms: Form[] = [];
  for (const m of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)) {
    const whole = m[0];
    const openTag = /^<form\b[^>]*>/i.exec(whole)?.[0] ?? '<form>';
    const attrs = attributes(openTag);
    const fields: FormField[] = [];
    const buttons: FormField[] = [];
    for (const t of whole.matchAll(/<(input|button|textarea|select)\b[^>]*>/gi)) {
      const tagName = (t[1] ?? '').toLowerCase();
      const a = attributes(t[0]);
      if (!a.name) continue;
      const type = (a.type ?? (tagName === 'button' ? 'submit' : 'text')).toLowerCase();
      const field = { name: a.name, value: a.value ?? '', type };
      if (type === 'submit' || (tagName === 'input' && type === 'image')) buttons.push(field);
      else if ((type === 'checkbox' || type === 'radio') && !('checked' in a)) continue;
      else fields.push(field);
    }
    forms.push({
      id: attrs.id,
      method: (attrs.method ?? 'get').toUpperCase(),
      action: new URL(attrs.action ?? '', baseUrl).href,
      fields,
      buttons,
    });
  }
  return forms;
}

export class ScriptedBrowser {
  readonly visited: string[] = [];
  readonly #jar = new CookieJar();
  readonly #opts: BrowserOptions;

  constructor(opts: BrowserOptions = {}) {
    this.#opts = opts;
  }

  /** GET url and follow redirects; stops after the client's callback has answered. */
  open(url: string): Promise<Page> {
    return this.#navigate(url, 'GET', undefined);
  }

  /**
   * Open a sign-in link and finish it as a person whose browser may still be signed in: the
   * sign-in form only if it is shown, then approve. Returns the last page (the callback's, if it
   * got there).
   */
  async approve(link: string, email = 'ada@example.com'): Promise<Page> {
    let page = await this.open(link);
    for (let step = 0; step < 4 && !page.isCallback; step++) {
      const forms = parseForms(page.body, page.url).map((f) => f.id);
      if (forms.includes('login'))
        page = await this.submit(page, 'login', { email, password: 'hostsmith' }, 'login');
      else if (forms.includes('consent')) page = await this.submit(page, 'consent', {}, 'approve');
      else break;
    }
    return page;
  }

  /** Submit form `formId` of `page` with `fields` (merged over its own), pressing `button`. */
  submit(page: Page, formId: string, fields: Record<string, string> = {}, button?: string): Promise<Page> {
    const form = parseForms(page.body, page.url).find((f) => f.id === formId);
    if (!form) throw new Error(`no <form id="${formId}"> at ${page.url} (status ${page.status})`);
    const data = new URLSearchParams();
    for (const f of form.fields) if (!(f.name in fields)) data.append(f.name, f.value);
    for (const [k, v] of Object.entries(fields)) data.append(k, v);
    if (button !== undefined) {
      const b = form.buttons.find((x) => x.name === button);
      if (!b) throw new Error(`form "${formId}" has no button named "${button}"`);
      data.append(b.name, b.value);
    }
    if (form.method === 'GET') {
      const target = new URL(form.action);
      target.search = data.toString();
      return this.#navigate(target.href, 'GET', undefined);
    }
    return this.#navigate(form.action, 'POST', data.toString());
  }

  async #navigate(start: string, method: string, body: string | undefined): Promise<Page> {
    const isCallback = this.#opts.isCallback ?? isLoopbackCallback;
    const max = this.#opts.maxRedirects ?? 20;
    let url = new URL(start);
    for (let hop = 0; hop <= max; hop++) {
      this.visited.push(url.href);
      this.#opts.onRequest?.(url.href);
      const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml,*/*' };
      const cookie = this.#jar.header(url);
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const init = {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual' as const,
        signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000),
      };
      const dispatcher = this.#opts.dispatcher;
      const res = dispatcher ? await undiciFetch(url, { ...init, dispatcher }) : await fetch(url, init);
      this.#jar.store(url, res.headers.getSetCookie());
      const text = await res.text();
      const location = res.headers.get('location');
      const callback = isCallback(url);
      if (callback || !(res.status >= 300 && res.status < 400 && location)) {
        return { url: url.href, status: res.status, headers: res.headers, body: text, isCallback: callback };
      }
      url = new URL(location, url);
      // 307/308 repeat the request; every other redirect becomes a GET.
      if (res.status !== 307 && res.status !== 308) {
        method = 'GET';
        body = undefined;
      }
    }
    throw new Error(`more than ${max} redirects from ${start}`);
  }
}

export interface SignInOptions {
  email?: string;
  password?: string;
  /** The button pressed at the consent page, after signing in (default approve). */
  action?: 'approve' | 'deny';
  browser?: ScriptedBrowser;
}

/**
 * Travel an authorization URL to the client's callback: signs in and approves or denies when
 * the pages appear (nothing appears with auto-approve). Returns the callback's response; its
 * `url` carries code/state/iss or error. Throws when the flow stops anywhere else.
 */
export async function completeSignIn(url: string, opts: SignInOptions = {}): Promise<Page> {
  const browser = opts.browser ?? new ScriptedBrowser();
  const action = opts.action ?? 'approve';
  let page = await browser.open(url);
  for (let step = 0; step < 6 && !page.isCallback; step++) {
    const forms = parseForms(page.body, page.url);
    if (forms.some((f) => f.id === 'login')) {
      if (step > 0 && /id="error"/.test(page.body)) throw new Error(`sign-in refused at ${page.url}`);
      page = await browser.submit(
        page,
        'login',
        { email: opts.email ?? 'ada@example.com', password: opts.password ?? SANDBOX_PASSWORD },
        'login',
      );
    } else if (forms.some((f) => f.id === 'consent')) {
      page = await browser.submit(page, 'consent', {}, action);
    } else {
      break;
    }
  }
  if (!page.isCallback) {
    const error = /data-error="([^"]*)"/.exec(page.body)?.[1];
    throw new Error(
      `the sign-in stopped at ${page.url} (status ${page.status}${error ? `, ${decodeEntities(error)}` : ''})`,
    );
  }
  return page;
}

// Which scopes this process needs, and what a grant lacks: the rules of step-up consent. A grant
// that lacks a scope a listed tool needs (or that the API said was missing) is replaced by a new
// sign-in asking for the union of what it has and what is needed.

/** Scopes that are about the sign-in itself, not the API: never counted as needed or lacking. */
const PROTOCOL_SCOPES = new Set(['openid', 'offline_access']);

export function scopeList(scope: string | undefined): string[] {
  return (scope ?? '').split(' ').filter((s) => s !== '' && !PROTOCOL_SCOPES.has(s));
}

export class ScopeNeeds {
  private readonly required: Set<string>;
  /** The last answer of missing(): every tool call asks about the same grant's scope string. */
  private last: { granted: string | undefined; lacking: readonly string[] } | undefined;

  constructor(initial: readonly string[]) {
    this.required = new Set(initial.filter((s) => !PROTOCOL_SCOPES.has(s)));
  }

  /** The API refused a call for want of `scope`: from now on a grant must hold it. */
  add(scope: string): void {
    for (const s of scopeList(scope)) this.required.add(s);
    this.last = undefined;
  }

  /** What `granted` (a space-separated scope string) lacks. */
  missing(granted: string | undefined): string[] {
    if (!this.last || this.last.granted !== granted) {
      const have = new Set(scopeList(granted));
      this.last = { granted, lacking: [...this.required].filter((s) => !have.has(s)) };
    }
    return [...this.last.lacking];
  }

  /** What a sign-in asks for: what is needed, then what the grant it replaces already had. */
  forSignIn(granted: string | undefined): string[] {
    return [...new Set([...this.required, ...scopeList(granted)])];
  }
}

// Finds the top-level "id" of a JSON text fed in pieces while keeping only a few bytes. The stdio
// frame uses it on a line too long to hold, so that the refusal can still name the request it
// answers. It never parses the text: it tracks nesting, strings and escapes, and captures only
// top-level keys and the value after "id".

/** A key or id longer than this is not one we can answer with (ids are short in practice). */
const MAX_CAPTURE = 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

type Capture = 'key' | 'id-string' | 'id-bare';

export class TopLevelIdScanner {
  private depth = 0;
  /** Undefined until the first value byte; only an object root has an id. */
  private rootIsObject: boolean | undefined;
  private inString = false;
  private escaped = false;
  /** At depth 1: the next string is a key. */
  private expectKey = false;
  /** At depth 1, after `"id":` and before its value begins. */
  private idValueNext = false;
  private lastKey: string | undefined;
  private capture: Capture | undefined;
  private captured: number[] = [];
  private found: string | number | null = null;

  /** The id as the last top-level "id" gave it: a string or number, else null. */
  id(): string | number | null {
    return this.found;
  }

  feed(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const view = bytes.subarray(start, end);
    // Where the next quote and backslash are: a long string is skipped in one step, not byte by byte.
    let quote = -1;
    let backslash = -1;
    for (let i = 0; i < view.length; i++) {
      if (this.inString && !this.escaped && !this.capture) {
        if (quote < i) quote = nextOf(view, QUOTE, i);
        if (backslash < i) backslash = nextOf(view, BACKSLASH, i);
        i = Math.min(quote, backslash);
        if (i === view.length) return;
      }
      const b = view[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.capture) this.finish();
          continue;
        }
        if (this.capture) this.keep(b);
        continue;
      }
      this.structural(b);
    }
  }

  private structural(b: number): void {
    if (this.capture === 'id-bare') {
      if (b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET || isSpace(b)) this.finish();
      else {
        this.keep(b);
        return;
      }
    }
    if (isSpace(b)) return;
    const top = this.depth === 1 && this.rootIsObject === true;
    const startsIdValue = top && this.idValueNext;
    if (startsIdValue) this.idValueNext = false;
    switch (b) {
      case QUOTE:
        this.inString = true;
        if (top && this.expectKey) this.begin('key');
        else if (startsIdValue) this.begin('id-string');
        return;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        if (this.depth === 0 && this.rootIsObject === undefined) this.rootIsObject = b === OPEN_BRACE;
        // An object or array is no valid id: a JSON-RPC answer then carries null.
        if (startsIdValue) this.found = null;
        this.depth += 1;
        if (this.depth === 1 && this.rootIsObject) this.expectKey = true;
        return;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        this.depth -= 1;
        return;
      case COLON:
        if (top) {
          this.expectKey = false;
          this.idValueNext = this.lastKey === 'id';
        }
        return;
      case COMMA:
        if (top) this.expectKey = true;
        return;
      default:
        if (this.depth === 0 && this.rootIsObject === undefined) this.rootIsObject = false;
        if (startsIdValue) {
          this.begin('id-bare');
          this.keep(b);
        }
    }
  }

  private begin(kind: Capture): void {
    this.capture = kind;
    this.captured = [];
  }

  private keep(b: number): void {
    // One byte past the bound marks the capture as too long; nothing more is kept.
    if (this.captured.length <= MAX_CAPTURE) this.captured.push(b);
  }

  private finish(): void {
    const kind = this.capture;
    const raw = this.captured.length > MAX_CAPTURE ? undefined : Buffer.from(this.captured).toString('utf8');
    this.capture = undefined;
    this.captured = [];
    const value = raw === undefined ? undefined : parse(kind === 'id-bare' ? raw : `"${raw}"`);
    if (kind === 'key') {
      this.lastKey = typeof value === 'string' ? value : undefined;
      return;
    }
    this.found =
      typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? value : null;
  }
}

/** The index of the next `byte` at or after `from`, or the length when there is none. */
function nextOf(view: Uint8Array, byte: number, from: number): number {
  const at = view.indexOf(byte, from);
  return at === -1 ? view.length : at;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

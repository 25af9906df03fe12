// Tool results sized for a model: no result's serialized content plus structuredContent goes
// over MAX_RESULT_BYTES (about 10,000 tokens; Claude Code refuses 25,000 by default). The list
// tools page themselves under it (fitCount); capResult is the one safety net every tool passes.

export const MAX_RESULT_BYTES = 40_000;
/** What a paging tool leaves beside its items: the envelope, counts, cursor and closing lines. */
const PAGE_RESERVE = 2_000;

/** A result's content: text, and links (a deploy's resource_link to the live site). */
type Content = { type: 'text'; text: string } | { type: 'resource_link'; uri: string; name: string };

export interface SizedResult {
  content: Content[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const jsonBytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)));

/**
 * More than `jsonBytes(value)` can be, or Infinity once over `room`, found without serializing:
 * in JSON a UTF-16 unit takes at most 6 bytes (a \u00XX escape; 3 in UTF-8 otherwise), a number
 * at most 24 characters. Anything but plain JSON data (toJSON, a bigint) gets Infinity: measure it.
 */
export function jsonBytesAtMost(value: unknown, room: number): number {
  let used = 0;
  const walk = (v: unknown): boolean => {
    if (typeof v === 'string') used += 2 + 6 * v.length;
    else if (typeof v === 'number') used += 24;
    else if (typeof v === 'boolean' || v === null || v === undefined) used += 5;
    else if (Array.isArray(v)) {
      used += 2 + v.length; // brackets and commas
      for (const item of v) if (!walk(item)) return false;
    } else if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      used += 2;
      for (const key in v) {
        used += 4 + 6 * key.length;
        if (!walk((v as Record<string, unknown>)[key])) return false;
      }
    } else return false;
    return used <= room;
  };
  return walk(value) ? used : Number.POSITIVE_INFINITY;
}

/** The measure: serialized content plus serialized structuredContent, in bytes. */
export function resultBytes(result: Pick<SizedResult, 'content' | 'structuredContent'>): number {
  return jsonBytes(result.content) + jsonBytes(result.structuredContent);
}

/** The measure of a handler's answer, as the wrapper will send it. */
export function answerBytes(answer: { text: string; structured: unknown }): number {
  return resultBytes({
    content: [{ type: 'text', text: answer.text }],
    structuredContent: answer.structured as never,
  });
}

/**
 * The largest page of `count` items or fewer whose answer fits the ceiling: starts from fitCount's
 * estimate and takes items off while the whole answer (cursor and summary included) is over.
 */
export function fitPage<T>(count: number, page: (n: number) => T & { text: string; structured: unknown }): T {
  let n = count;
  let answer = page(n);
  while (n > 1 && answerBytes(answer) > MAX_RESULT_BYTES) answer = page(--n);
  return answer;
}

/**
 * How many leading items fit one page: each costs its structured form plus its line of text
 * (both as serialized). At least one, so a page always moves a listing on.
 */
export function fitCount<T>(
  items: readonly T[],
  line: (item: T) => string,
  budget = MAX_RESULT_BYTES,
): number {
  let room = budget - PAGE_RESERVE;
  for (let i = 0; i < items.length; i++) {
    room -= jsonBytes(items[i]) + 1 + jsonBytes(line(items[i] as T));
    if (room < 0) return Math.max(1, i);
  }
  return items.length;
}

/**
 * The safety net: a result over the ceiling becomes an error that says so, what to do, and
 * whether the call's change was made, with as many whole lines of its text as fit.
 */
export function capResult(
  tool: { name: string; annotations: { readOnlyHint: boolean } },
  result: SizedResult,
  max = MAX_RESULT_BYTES,
): SizedResult {
  // Most results are far under the ceiling: a bound says so without serializing them twice.
  const bound = jsonBytesAtMost(result.content, max);
  if (bound + jsonBytesAtMost(result.structuredContent, max - bound) <= max) return result;
  const size = resultBytes(result);
  if (size <= max) return result;
  const done = result.isError
    ? 'The call failed.'
    : tool.annotations.readOnlyHint
      ? 'Ask for less: a smaller limit, a prefix, or one item at a time.'
      : 'The call was carried out; check its outcome with the list tools, a page at a time.';
  const head = `${tool.name}'s result is ${size} bytes, over the ${max}-byte limit for one tool result, so it is cut. ${done}`;
  const lines = result.content
    .flatMap((c) => (c.type === 'text' ? [c.text] : []))
    .join('\n')
    .split('\n');
  const kept: string[] = [];
  // Measured as it will be sent (JSON-escaped), with room for the closing note.
  let room = max - PAGE_RESERVE - jsonBytes([{ type: 'text', text: head }]);
  for (const line of lines) {
    room -= jsonBytes(line); // its quotes stand for the \n that joins it
    if (room < 0) break;
    kept.push(line);
  }
  const shown = kept.length ? `\nIts first ${kept.length} of ${lines.length} lines:\n${kept.join('\n')}` : '';
  return { content: [{ type: 'text', text: `${head}${shown}` }], isError: true };
}

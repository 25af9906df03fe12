// Property-based tool input (fast-check) for test/adversarial/tool-input.test.ts: for each tool,
// valid arguments with up to two fields made hostile (wrong types, huge strings, unicode and NUL,
// traversal, unknown partitions), required or optional fields left out, and extra properties.
// A case knows which fields it changed, so the oracle can hold the server to "a tool error that
// names the field, or a correct call" without asking the server's own schemas what is valid.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import fc from 'fast-check';
import { matchRoute } from '../../sandbox/api/routes.js';
import { resolveDirectory } from '../../src/deploy/location.js';
import { encodeCursor } from '../../src/mcp/tools/sites.js';

/**
 * One seed for every property, so a failure replays exactly (fast-check prints it with the
 * path). FUZZ_SEED=<n> explores others.
 */
export const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);

export interface Hostile {
  value: unknown;
  /** How an error about this value must name its field. */
  field: RegExp;
}

interface FieldSpec {
  name: string;
  required: boolean;
  valid: fc.Arbitrary<unknown>;
  hostile: fc.Arbitrary<Hostile>;
}

export interface ToolSpec {
  name: string;
  fields: FieldSpec[];
  /** Valid arguments (every required field, some optional ones). */
  valid: fc.Arbitrary<Record<string, unknown>>;
}

export interface Case {
  args: Record<string, unknown>;
  /** The fields changed away from valid; empty for a valid call. */
  changed: { what: string; field: RegExp }[];
}

const named = (name: string) => new RegExp(`\\b${name}\\b`);

// ---- values --------------------------------------------------------------------------------

/** Pieces that move routes or break encoders, mixed with random text. */
const TRAVERSAL = [
  '',
  '.',
  '..',
  '../',
  '/..',
  '%2e%2e',
  '%2E.',
  '.%2e',
  '%2F',
  '%2f..',
  '%5C',
  '\\',
  '\\..',
  '/',
  '//',
  '?',
  '#',
  '?partition=eu',
  '#x',
  '%00',
  '\0',
  ';',
  '@',
  '~',
  '~/',
  'http://evil.example/',
  '//evil.example',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\udc00',
  'é',
  'e\u0301',
  '😀',
  '\n',
  '\r\n',
  '\t',
  ' ',
  'site_',
  'site_x',
  'us',
  'eu',
];

const fragment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRAVERSAL) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
);

/** Short hostile text: traversal, NUL, lone surrogates, bidi controls, random unicode. */
export const hostileText = fc.array(fragment, { maxLength: 6 }).map((parts) => parts.join(''));

/** A path-shaped hostile string: segments of hostile text joined by '/' or '\'. */
const hostilePath = fc
  .array(fc.tuple(hostileText, fc.constantFrom('/', '/', '\\')), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.map(([s, sep], i) => (i === 0 ? s : sep + s)).join(''));

/** Up to 1 MiB of one repeated unit: cheap to build, and over every limit a field has. */
export const hugeText = fc
  .tuple(
    fc.constantFrom('a', 'Z', '.', '../', '/', '\0', 'é', '😀', '%2e', 'site_', '\ud800', ' '),
    fc.integer({ min: 1025, max: 1 << 20 }),
  )
  .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

/** Values of JSON types other than the one a field wants (all survive JSON, for stdio). */
const anyJson = fc.jsonValue({ maxDepth: 2 });
const notString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { maxKeys: 3 }),
);
const notNumber = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('1', '100', '1e3', ''),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);

/** Strings for a string field: hostile text, huge text, path-shaped, or another JSON type. */
const stringish = fc.oneof(
  { weight: 6, arbitrary: hostileText },
  { weight: 2, arbitrary: hostilePath },
  { weight: 1, arbitrary: hugeText },
  { weight: 3, arbitrary: notString },
);

const hostile = (name: string, values: fc.Arbitrary<unknown>): fc.Arbitrary<Hostile> =>
  values.map((value) => ({ value, field: named(name) }));

// ---- valid values ----------------------------------------------------------------------------

const ID_CHAR = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-');
export const validSiteId = fc.string({ unit: ID_CHAR, minLength: 1, maxLength: 24 }).map((s) => `site_${s}`);
const NAME_CHAR = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789');
const validName = fc
  .tuple(NAME_CHAR, fc.string({ unit: fc.constantFrom(...'abc-0123'), maxLength: 20 }), NAME_CHAR)
  .map(([a, mid, b]) => `${a}${mid}${b}`);
const validPartition = fc.constantFrom('us', 'eu');
const SEGMENT_CHAR = fc.oneof(
  fc.constantFrom(...'abcXYZ019-_.~ %+&=;?#é😀'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
);
/** A site path the contract allows: "/"-separated, no empty, "." or ".." segment, no NUL or "\". */
export const validPath = fc
  .array(
    fc
      .string({ unit: SEGMENT_CHAR, minLength: 1, maxLength: 10 })
      .filter((s) => s !== '.' && s !== '..' && !/[\0\\/]/.test(s)),
    { minLength: 1, maxLength: 3 },
  )
  .map((segments) => segments.join('/'));
// A cursor as list_sites writes one: per partition, the API's own cursor ('' for "from the
// start") and how many of that page were returned. Only '' is known valid here: the API's
// cursors are its own.
const validCursor = fc
  .dictionary(validPartition, fc.constant({ c: '', s: 0 }), { minKeys: 1 })
  .map((state) => encodeCursor(state) ?? encodeCursor({ us: { c: '', s: 0 } }));

// ---- fields ------------------------------------------------------------------------------------

const siteIdField = (valid: fc.Arbitrary<string>): FieldSpec => ({
  name: 'site_id',
  required: true,
  valid,
  hostile: hostile(
    'site_id',
    fc.oneof(
      { weight: 3, arbitrary: stringish },
      { weight: 3, arbitrary: hostileText.map((s) => `site_${s}`) },
      { weight: 1, arbitrary: validSiteId },
    ),
  ),
});

const partitionField: FieldSpec = {
  name: 'partition',
  required: false,
  valid: validPartition,
  hostile: hostile(
    'partition',
    fc.oneof(
      fc.constantFrom('US', 'Eu', ' us', 'us\0', 'eu ', 'mars', '', 'usa', 'us,eu', '..', 'eu/..', 'ＵＳ'),
      stringish,
      validPartition,
    ),
  ),
};

const pathField = (name: string, required: boolean): FieldSpec => ({
  name,
  required,
  valid: validPath,
  hostile: hostile(
    name,
    fc.oneof(
      { weight: 3, arbitrary: stringish },
      { weight: 3, arbitrary: hostilePath },
      { weight: 1, arbitrary: validPath },
    ),
  ),
});

const nameField = (required: boolean): FieldSpec => ({
  name: 'name',
  required,
  valid: validName,
  hostile: hostile('name', fc.oneof(stringish, validName)),
});

/** A deploy fixture, and where the server under test resolves relative paths and "~". */
export interface DirectoryEnv {
  fixture: string;
  cwd: string;
  home: string;
}

const inside = (root: string, target: string) => {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/**
 * A directory argument that cannot make a deploy read anything but the fixture: a value that
 * names some other folder that exists (".", "~", "/", "../..") is moved under a missing folder
 * inside the fixture. The fuzzing is about the server's handling, not about uploading this disk.
 */
export function confineDirectory(value: unknown, env: DirectoryEnv): unknown {
  if (typeof value !== 'string') return value;
  const harmless = (v: string) => {
    try {
      const { root } = resolveDirectory(v, { platform: process.platform, home: env.home, cwd: env.cwd });
      return !existsSync(root) || inside(env.fixture, root);
    } catch {
      return true; // refused before any disk access
    }
  };
  if (harmless(value)) return value;
  const moved = join(env.fixture, 'no-such-folder', value.replace(/\.\.+/g, '_'));
  return harmless(moved) ? moved : join(env.fixture, 'no-such-folder');
}

const directoryField = (env: DirectoryEnv): FieldSpec => {
  const valid = fc.constantFrom(
    env.fixture,
    `${env.fixture}/`,
    `${env.fixture}/sub/..`,
    `${env.fixture}//./`,
    relative(env.cwd, env.fixture),
  );
  return {
    name: 'directory',
    required: true,
    valid,
    hostile: fc
      .oneof(
        stringish,
        fc.constantFrom(
          join(env.fixture, 'index.html'), // a file, not a folder
          join(env.fixture, 'missing'),
          `${env.fixture}\0`,
          `${env.fixture}/\0/..`,
          `${env.fixture}/\ud800`,
          '/dev/null',
        ),
        hostilePath.map((p) => `${env.fixture}/${p}`),
        valid,
      )
      // The folder may be named by its path in words ("The folder … does not exist").
      .map((value) => ({ value: confineDirectory(value, env), field: /\bdirectory\b|\bfolder\b/ })),
  };
};

// upload_files: the array, and each entry's fields, with the index in the field's name.
const validContent = fc.oneof(
  { weight: 24, arbitrary: fc.string({ maxLength: 40 }).map((content) => ({ content })) },
  {
    weight: 8,
    arbitrary: fc
      .uint8Array({ maxLength: 48 })
      .map((b) => ({ content: Buffer.from(b).toString('base64'), encoding: 'base64' })),
  },
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }).map((content) => ({ content, encoding: 'utf8' })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1025, max: 1 << 20 }).map((n) => ({ content: 'x'.repeat(n) })),
  },
);
const validEntry = fc
  .tuple(validPath, validContent)
  .map(([path, content]) => ({ path, ...content }) as Record<string, unknown>);
const validFiles = fc.uniqueArray(validEntry, { minLength: 1, maxLength: 3, selector: (e) => e.path });

const entryField = (i: number, sub: string) => new RegExp(`\\bfiles(?:\\.|\\[)${i}\\]?\\.${sub}\\b`);
type Entry = Record<string, unknown>;
const entryHostile: fc.Arbitrary<{ sub: string; change: (e: Entry) => void }> = fc.oneof(
  hostilePath.map((v) => ({
    sub: 'path',
    change: (e: Entry) => {
      e.path = v;
    },
  })),
  stringish.map((v) => ({
    sub: 'path',
    change: (e: Entry) => {
      e.path = v;
    },
  })),
  notString.map((v) => ({
    sub: 'content',
    change: (e: Entry) => {
      e.content = v;
    },
  })),
  hostileText.map((v) => ({
    sub: 'content',
    change: (e: Entry) => {
      e.content = v;
      e.encoding = 'base64';
    },
  })),
  stringish.map((v) => ({
    sub: 'encoding',
    change: (e: Entry) => {
      e.encoding = v;
    },
  })),
  fc.constantFrom('path', 'content').map((k) => ({
    sub: k,
    change: (e: Entry) => {
      delete e[k];
    },
  })),
);
const filesField: FieldSpec = {
  name: 'files',
  required: true,
  valid: validFiles,
  hostile: fc.oneof(
    notString.map((value) => ({ value, field: named('files') })),
    fc.constant({ value: [], field: named('files') }),
    fc.integer({ min: 101, max: 130 }).map((n) => ({
      value: Array.from({ length: n }, (_, i) => ({ path: `f${i}.txt`, content: 'x' })),
      field: named('files'),
    })),
    fc.tuple(validFiles, fc.nat(), notString).map(([files, at, junk]) => {
      const i = at % files.length;
      const value: unknown[] = [...files];
      value[i] = junk;
      return { value, field: new RegExp(`\\bfiles(?:\\.|\\[)${i}\\b`) };
    }),
    fc.tuple(validFiles, fc.nat(), entryHostile).map(([files, at, { sub, change }]) => {
      const i = at % files.length;
      const value = files.map((e) => ({ ...e }));
      change(value[i]!);
      return { value, field: entryField(i, sub) };
    }),
  ),
};

// ---- tools ---------------------------------------------------------------------------------------

function tool(name: string, fields: FieldSpec[], fix?: (args: Record<string, unknown>) => void): ToolSpec {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  const requiredKeys: string[] = [];
  for (const f of fields) {
    shape[f.name] = f.valid;
    if (f.required) requiredKeys.push(f.name);
  }
  const valid = fc.record(shape, { requiredKeys }).map((args) => {
    const out = { ...args } as Record<string, unknown>;
    fix?.(out);
    return out;
  });
  return { name, fields, valid };
}

/** Every tool of ALL_TOOLS, by its arguments. `siteId` gives the ids valid cases use. */
export function toolSpecs(opts: { siteId: fc.Arbitrary<string>; directory: DirectoryEnv }): ToolSpec[] {
  const site = siteIdField(opts.siteId);
  return [
    tool('get_account', [partitionField]),
    tool(
      'list_sites',
      [
        {
          name: 'limit',
          required: false,
          valid: fc.integer({ min: 1, max: 100 }),
          hostile: hostile(
            'limit',
            fc.oneof(
              fc.integer(),
              fc.double({ noNaN: true, noDefaultInfinity: true }),
              fc.constantFrom(0, -1, 101, 1001, 1.5, 2 ** 53, -(2 ** 53)),
              notNumber,
            ),
          ),
        },
        {
          name: 'cursor',
          required: false,
          valid: validCursor,
          hostile: hostile(
            'cursor',
            fc.oneof(
              stringish,
              fc
                .jsonValue({ maxDepth: 2 })
                .map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
              fc.constantFrom(
                Buffer.from('{"__proto__":{"polluted":1}}').toString('base64url'),
                Buffer.from('{"us":"../..","eu":"?partition=us"}').toString('base64url'),
                Buffer.from('{"mars":""}').toString('base64url'),
                Buffer.from('{"us":1}').toString('base64url'),
              ),
            ),
          ),
        },
      ],
      // A valid cursor continues the partition asked for (one of another is refused by name).
      (args) => {
        if (typeof args.cursor !== 'string' || typeof args.partition !== 'string') return;
        const state = JSON.parse(Buffer.from(args.cursor, 'base64url').toString()) as Record<string, string>;
        args.cursor = encodeCursor({ ...state, [args.partition]: state[args.partition] ?? '' });
      },
    ),
    tool('get_site', [site, partitionField]),
    tool('create_site', [nameField(true), partitionField]),
    tool(
      'update_site',
      [
        site,
        partitionField,
        nameField(false),
        pathField('index_document', false),
        pathField('error_document', false),
      ],
      (args) => {
        if (
          args.name === undefined &&
          args.index_document === undefined &&
          args.error_document === undefined
        ) {
          args.index_document = 'index.html';
        }
      },
    ),
    tool('delete_site', [site, partitionField]),
    tool('list_files', [
      site,
      partitionField,
      {
        name: 'limit',
        required: false,
        valid: fc.integer({ min: 1, max: 1000 }),
        hostile: hostile('limit', fc.oneof(fc.constantFrom(0, -1, 1001, 1.5, 2 ** 53), notNumber)),
      },
      {
        name: 'prefix',
        required: false,
        valid: fc.string({ maxLength: 20 }),
        hostile: hostile('prefix', fc.oneof(notString, hugeText)),
      },
    ]),
    tool('upload_files', [site, partitionField, filesField]),
    tool('delete_file', [site, partitionField, pathField('path', true)]),
    tool('deploy_directory', [site, partitionField, directoryField(opts.directory)]),
    tool('list_domains', [partitionField]),
  ];
}

/** Extra properties: unknown names, and the ones that reach prototypes. */
const extras = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { minKeys: 1, maxKeys: 3 }),
  fc
    .constantFrom(
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"prototype":1,"toString":"x","hasOwnProperty":null}',
      '{"site_id ":"x","Partition":"mars","files ":[]}',
    )
    .map((json) => JSON.parse(json) as Record<string, unknown>),
);

export function caseArb(spec: ToolSpec): fc.Arbitrary<Case> {
  interface Change {
    what: string;
    name: string;
    set: boolean;
    value: unknown;
    field: RegExp;
  }
  const change: fc.Arbitrary<Change> = fc.oneof(
    ...spec.fields.map((f) =>
      f.hostile.map((h) => ({ what: `${f.name} = hostile`, name: f.name, set: true, ...h })),
    ),
    ...spec.fields.map((f) =>
      fc.constant({
        what: `${f.name} left out`,
        name: f.name,
        set: false,
        value: undefined,
        field: named(f.name),
      }),
    ),
  );
  return fc
    .record({
      base: spec.valid,
      // Mostly one or two fields changed; a valid call now and then.
      changes: fc.oneof(
        { weight: 1, arbitrary: fc.constant<Change[]>([]) },
        { weight: 7, arbitrary: fc.array(change, { minLength: 1, maxLength: 2 }) },
      ),
      extra: fc.option(extras, { nil: undefined, freq: 4 }),
    })
    .map(({ base, changes, extra }) => {
      const args: Record<string, unknown> = { ...base };
      const fields = new Set(spec.fields.map((f) => f.name));
      // Own properties even for "__proto__": exactly what JSON.parse gives the server.
      for (const [key, value] of Object.entries(extra ?? {})) {
        if (!fields.has(key)) Object.defineProperty(args, key, { value, enumerable: true, writable: true });
      }
      for (const c of changes) {
        if (c.set) args[c.name] = c.value;
        else delete args[c.name];
      }
      return { args, changed: changes.map(({ what, field }) => ({ what, field })) };
    });
}

// ---- the oracle -------------------------------------------------------------------------------------

/** One API request as the server sent it: method, raw (encoded) path, and the partition asked for. */
export interface SentRequest {
  method: string;
  path: string;
  partition: string | null;
}

export const offRoute = (requests: SentRequest[]) =>
  requests.filter((r) => matchRoute(r.method, r.path).kind !== 'found').map((r) => `${r.method} ${r.path}`);

const params = (r: SentRequest) => {
  const m = matchRoute(r.method, r.path);
  return m.kind === 'found' ? m.params : {};
};

/** The contract's rules, written here again so the oracle does not borrow the server's. */
const SITE_ID_RULE = /^site_[A-Za-z0-9_-]+$/;
const pathOk = (p: unknown) =>
  typeof p === 'string' &&
  p.length <= 1024 &&
  !/[\0\\]/.test(p) &&
  p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');

/** What is wrong with one answer to one case, or [] when it is a correct call or a fair refusal. */
export function judge(
  tool: string,
  c: Case,
  answer: { isError: boolean; text: string },
  sent: SentRequest[],
  opts: { apiErrors?: RegExp } = {},
): string[] {
  const problems: string[] = [];
  const off = offRoute(sent);
  if (off.length) problems.push(`requests off the route table: ${off.join(', ')}`);
  const { text } = answer;
  if (/"(code|expected|path)"\s*:|ZodError|^\s+at\s/m.test(text)) problems.push('a zod dump or stack trace');
  // Room to quote one folder path (up to 4096 characters), never a whole huge argument.
  if (text.length > 8192) problems.push(`an answer of ${text.length} characters`);
  if (text.includes('\0')) problems.push('a raw NUL in the answer');
  if (/Unexpected failure|\[object Object\]|undefined:/.test(text)) problems.push('an unexplained failure');
  const args = c.args;
  if (answer.isError) {
    const named = c.changed.some((ch) => ch.field.test(text));
    // Against the real API a well-formed call may be refused by Hostsmith (404, 409): fine, as
    // long as it went out on its route and the refusal is one of those.
    const fromApi = opts.apiErrors !== undefined && sent.length > 0 && opts.apiErrors.test(text);
    if (!named && !fromApi) {
      problems.push(
        c.changed.length
          ? `an error that names none of: ${c.changed.map((ch) => ch.what).join(', ')}`
          : 'an error for valid arguments',
      );
    }
    return problems;
  }
  // A correct call: what went out is what was asked for, and what was asked for was valid.
  if (sent.length === 0 && tool !== 'list_sites') problems.push('success without any request');
  if ('site_id' in args) {
    if (typeof args.site_id !== 'string' || !SITE_ID_RULE.test(args.site_id))
      problems.push('accepted a bad site_id');
    for (const r of sent)
      if (params(r).siteId !== args.site_id) problems.push(`sent ${r.path} for ${String(args.site_id)}`);
  }
  if (args.partition !== undefined) {
    if (args.partition !== 'us' && args.partition !== 'eu') problems.push('accepted a bad partition');
    for (const r of sent) if (r.partition !== args.partition) problems.push(`sent partition ${r.partition}`);
  }
  for (const key of ['index_document', 'error_document', 'path'] as const) {
    if (args[key] !== undefined && args[key] !== null && !pathOk(args[key]))
      problems.push(`accepted a bad ${key}`);
  }
  if (tool === 'delete_file') {
    const deletes = sent.filter((r) => r.method === 'DELETE').map((r) => params(r).path);
    if (deletes.length !== 1 || deletes[0] !== args.path) problems.push(`deleted ${JSON.stringify(deletes)}`);
  }
  if (tool === 'upload_files') {
    const files = args.files as { path: unknown }[];
    if (!files.every((f) => pathOk(f.path))) problems.push('accepted a bad file path');
    const puts = sent.filter((r) => r.method === 'PUT').map((r) => params(r).path);
    if (JSON.stringify(puts) !== JSON.stringify(files.map((f) => f.path))) problems.push('wrote other paths');
  }
  return problems;
}

export const defaultHome = homedir();

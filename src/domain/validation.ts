/**
 * Shared pieces of input validation: zod issues → `InputIssue`s a property manager can act
 * on, JSON paths (`leases[3].rentCents`), JSON syntax errors with line and column, and
 * "did you mean" suggestions. Pure: no I/O.
 */
import type { z } from 'zod';
import { type InputIssue, MAX_REPORTED_ISSUES } from './errors.js';

export type PathSegment = string | number;

/**
 * Names a path prefix that ends at an array index, e.g. `['stages', 1]` → `pre-lien`;
 * formatPath then prints `stages[1] (pre-lien)`.
 */
export type PathLabeler = (prefix: readonly PathSegment[]) => string | undefined;

// eslint-disable-next-line no-control-regex -- control characters are what it keeps out
const PLAIN_KEY = /^[^.\s[\]"'`\u0000-\u001f]+$/;

/** `['stages', 1, 'actions', 0, 'amountCents']` → `stages[1].actions[0].amountCents`. */
export function formatPath(path: readonly PathSegment[], label?: PathLabeler): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as PathSegment;
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      const name = label?.(path.slice(0, i + 1));
      if (name !== undefined && name !== '') out += ` (${name})`;
    } else if (PLAIN_KEY.test(seg)) {
      out += out === '' ? seg : `.${seg}`;
    } else {
      out += `[${JSON.stringify(seg)}]`;
    }
  }
  return out === '' ? '(top level)' : out;
}

/** The value at `path` inside `input`, or undefined. */
export function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let cur: unknown = input;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** A labeler naming array entries by their `id` field where the entry has one. */
export function idLabeler(input: unknown, arrays: readonly string[]): PathLabeler {
  return (prefix) => {
    const parent = prefix[prefix.length - 2];
    if (typeof parent !== 'string' || !arrays.includes(parent)) return undefined;
    const entry = valueAt(input, prefix);
    if (entry === null || typeof entry !== 'object') return undefined;
    const id = (entry as Record<string, unknown>).id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  };
}

// ---------------------------------------------------------------------------------------
// Describing values and types in plain words

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a set of fields';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(shown);
  }
  return `\`${String(value)}\``;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a set of fields',
  date: 'a date',
  null: 'null',
};

function typeWord(expected: string): string {
  return TYPE_WORDS[expected] ?? expected;
}

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

/**
 * Per-parse error map: plain-language messages for issues whose schema did not set its own
 * (a schema's own message always wins in zod 4). Pass as `schema.safeParse(x, { error })`.
 */
export function plainErrorMap(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      if (iss.input === undefined) return `is required (${typeWord(iss.expected)})`;
      return `must be ${typeWord(iss.expected)}, not ${describeValue(iss.input)}`;
    }
    case 'invalid_value': {
      if (iss.values.length === 1) return `must be ${quoteList(iss.values)}`;
      return `must be one of ${quoteList(iss.values)} (got ${describeValue(iss.input)})`;
    }
    case 'too_small': {
      const min = Number(iss.minimum);
      if (iss.origin === 'array' || iss.origin === 'set')
        return `must list at least ${min} item${min === 1 ? '' : 's'}`;
      if (iss.origin === 'string')
        return min <= 1 ? 'must not be empty' : `must be at least ${min} characters long`;
      return iss.inclusive ? `must be at least ${min}` : `must be more than ${min}`;
    }
    case 'too_big': {
      const max = Number(iss.maximum);
      if (iss.origin === 'array' || iss.origin === 'set')
        return `must list at most ${max} item${max === 1 ? '' : 's'}`;
      if (iss.origin === 'string') return `must be at most ${max} characters long`;
      return iss.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
    }
    case 'invalid_format': {
      if (iss.format === 'email') return 'must be an e-mail address such as ana@example.com';
      if (iss.format === 'url') return 'must be an absolute URL such as https://example.com/hook';
      return `has the wrong format (expected ${iss.format})`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}`;
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid entry';
    case 'custom':
      return 'is not valid';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Known keys of a schema at a path (for "did you mean")

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  valueType?: z.ZodType;
  values?: unknown[];
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(schema: z.ZodType, input: unknown): z.ZodType {
  for (let guard = 0; guard < 20; guard++) {
    const def = defOf(schema);
    if (
      (def.type === 'optional' ||
        def.type === 'default' ||
        def.type === 'prefault' ||
        def.type === 'nullable' ||
        def.type === 'readonly' ||
        def.type === 'catch' ||
        def.type === 'nonoptional') &&
      def.innerType
    )
      schema = def.innerType;
    else if (def.type === 'pipe' && def.in) schema = def.in;
    else if (def.type === 'lazy' && def.getter) schema = def.getter();
    else if (def.type === 'union' && def.options) {
      const objects = def.options.filter((o) => {
        const t = defOf(unwrap(o, input)).type;
        return t === 'object';
      });
      if (def.discriminator && input !== null && typeof input === 'object') {
        const want = (input as Record<string, unknown>)[def.discriminator];
        const hit = objects.find((o) => {
          const shape = defOf(unwrap(o, input)).shape;
          const lit = shape?.[def.discriminator as string];
          return lit !== undefined && (defOf(lit).values ?? []).includes(want);
        });
        if (hit) return unwrap(hit, input);
        return schema;
      }
      if (objects.length === 1 && input !== null && typeof input === 'object')
        return unwrap(objects[0] as z.ZodType, input);
      return schema;
    } else return schema;
  }
  return schema;
}

/** The field names an object schema accepts at `path` (following `input` through unions). */
export function knownKeysAt(
  schema: z.ZodType,
  input: unknown,
  path: readonly PathSegment[],
): string[] | undefined {
  let cur = unwrap(schema, input);
  let value = input;
  for (const seg of path) {
    const def = defOf(cur);
    value = valueAt(value, [seg]);
    if (def.type === 'object' && typeof seg === 'string' && def.shape?.[seg]) cur = def.shape[seg];
    else if (def.type === 'array' && typeof seg === 'number' && def.element) cur = def.element;
    else if (def.type === 'record' && def.valueType) cur = def.valueType;
    else return undefined;
    cur = unwrap(cur, value);
  }
  const def = defOf(cur);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

/** Edit distance counting an adjacent transposition as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const up = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The closest candidate to `word` (case-insensitive match, or a small spelling slip). */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const exact = candidates.find((c) => c.toLowerCase() === lower || norm(c) === norm(word));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  return bestDistance <= limit ? best : undefined;
}

// ---------------------------------------------------------------------------------------
// zod issues → InputIssues

export interface ZodMappingOptions {
  file?: string;
  /** The raw input that was parsed (to name what was found and to follow unions). */
  input: unknown;
  /** The schema that was parsed, for "did you mean" suggestions on unknown fields. */
  schema?: z.ZodType;
  label?: PathLabeler;
  /** What the file as a whole should be, for a wrong top-level type. */
  rootDescription?: string;
  /** Singular nouns for discriminated-union arrays, e.g. `{events: 'event'}`. */
  nouns?: Record<string, string>;
}

type AnyIssue = z.core.$ZodIssue;
interface RawIssue {
  path: PathSegment[];
  message: string;
}

function normalisePath(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((p) => (typeof p === 'number' ? p : String(p)));
}

const DEFAULT_MESSAGE_PREFIXES = ['Invalid input', 'Invalid option', 'Too small', 'Too big'];

function mapOne(issue: AnyIssue, prefix: PathSegment[], opts: ZodMappingOptions, out: RawIssue[]) {
  const path = [...prefix, ...normalisePath(issue.path)];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = opts.schema ? knownKeysAt(opts.schema, opts.input, path) : undefined;
      for (const key of issue.keys) {
        const hint = known ? suggest(key, known) : undefined;
        out.push({
          path: [...path, key],
          message:
            `unknown field \`${key}\`: remove it or check its spelling` +
            (hint ? ` (did you mean \`${hint}\`?)` : ''),
        });
      }
      return;
    }
    case 'invalid_union': {
      const u = issue as AnyIssue & {
        note?: string;
        discriminator?: string;
        options?: unknown[];
        errors: AnyIssue[][];
      };
      if (u.discriminator !== undefined || u.note === 'No matching discriminator') {
        const got = valueAt(opts.input, path);
        const owner = path.findLast((s, i) => typeof s === 'string' && i < path.length - 2);
        const noun = (typeof owner === 'string' && opts.nouns?.[owner]) || 'entry';
        const allowed = quoteList(u.options ?? []);
        const key = String(u.discriminator ?? path[path.length - 1] ?? 'type');
        if (got === undefined) {
          out.push({
            path,
            message: `missing \`${key}\`: say what kind of ${noun} this is, one of ${allowed}`,
          });
        } else {
          const hint =
            typeof got === 'string' ? suggest(got, (u.options ?? []).map(String)) : undefined;
          out.push({
            path,
            message:
              `unknown ${noun} ${key} ${typeof got === 'object' ? describeValue(got) : `\`${String(got)}\``}: use one of ${allowed}` +
              (hint ? ` (did you mean \`${hint}\`?)` : ''),
          });
        }
        return;
      }
      // A plain union: report the branch that fits the value best.
      const branches = u.errors.filter((b) => b.length > 0);
      const matching = branches.filter(
        (b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      if (matching.length > 0) {
        const best = matching.reduce((a, b) => (b.length < a.length ? b : a));
        for (const inner of best) mapOne(inner, path, opts, out);
        return;
      }
      const expected = branches
        .flatMap((b) => b.filter((i) => i.code === 'invalid_type' && i.path.length === 0))
        .map((i) => typeWord((i as AnyIssue & { expected: string }).expected));
      const got = valueAt(opts.input, path);
      out.push({
        path,
        message:
          got === undefined
            ? `is required (${[...new Set(expected)].join(' or ')})`
            : `must be ${[...new Set(expected)].join(' or ')}, not ${describeValue(got)}`,
      });
      return;
    }
    default: {
      let message = issue.message;
      const got = valueAt(opts.input, path);
      if (DEFAULT_MESSAGE_PREFIXES.some((p) => message.startsWith(p))) {
        const raw = { ...issue, input: got } as unknown as z.core.$ZodRawIssue;
        message = plainErrorMap(raw) ?? message;
      }
      if (issue.code === 'invalid_value' && typeof got === 'string') {
        const hint = suggest(got, issue.values.map(String));
        if (hint)
          message = message.endsWith(')')
            ? `${message.slice(0, -1)}; did you mean \`${hint}\`?)`
            : `${message} (did you mean \`${hint}\`?)`;
      }
      if (
        [
          'custom',
          'invalid_format',
          'too_small',
          'too_big',
          'invalid_type',
          'not_multiple_of',
        ].includes(issue.code) &&
        (typeof got === 'string' || typeof got === 'number') &&
        !message.includes(String(got))
      )
        message += ` (got ${describeValue(got)})`;
      if (path.length === 0) {
        if (issue.code === 'invalid_type') {
          out.push({
            path,
            message: `the file must contain ${opts.rootDescription ?? 'a JSON object'}, not ${describeValue(opts.input)}`,
          });
          return;
        }
      } else if (
        issue.code === 'invalid_type' &&
        valueAt(opts.input, path) === undefined &&
        valueAt(opts.input, path.slice(0, -1)) !== undefined
      ) {
        const key = path[path.length - 1];
        const detail = message.startsWith('is required (')
          ? message.slice('is required '.length)
          : `(${message})`;
        message =
          typeof key === 'string'
            ? `missing required field \`${key}\`: add it ${detail}`
            : `is missing ${detail}`;
      }
      out.push({ path, message });
    }
  }
}

/** zod issues as InputIssues with JSON paths and plain-language messages, deduplicated. */
export function zodIssuesToInputIssues(
  issues: readonly AnyIssue[],
  opts: ZodMappingOptions,
): InputIssue[] {
  const raw: RawIssue[] = [];
  for (const issue of issues) mapOne(issue, [], opts, raw);
  const seen = new Set<string>();
  const out: InputIssue[] = [];
  for (const r of raw) {
    const path = formatPath(r.path, opts.label);
    const k = `${path}\u0000${r.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(
      opts.file === undefined
        ? { path, message: r.message }
        : { file: opts.file, path, message: r.message },
    );
  }
  return out;
}

/** Why a NUL character is refused: PostgreSQL stores no `\u0000` in text or JSON. */
export const NUL_MESSAGE =
  'contains a NUL character (\\u0000), which cannot be stored: remove it or re-export the file';

/**
 * Every text (and field name) of `value` holding a NUL character, at its path. Walked
 * without recursion: the value may be nested as deep as JSON.parse allows.
 */
export function nulCharacterIssues(value: unknown, file?: string): InputIssue[] {
  // Paths as linked lists: a path is spelled out only for the texts reported.
  type At = { seg: PathSegment; up: At } | null;
  const spell = (at: At): PathSegment[] => {
    const path: PathSegment[] = [];
    for (let a = at; a !== null; a = a.up) path.push(a.seg);
    return path.reverse();
  };
  const issues: InputIssue[] = [];
  const stack: [unknown, At][] = [[value, null]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, at] = next;
    if (typeof v === 'string') {
      if (!v.includes('\u0000')) continue;
      const path = formatPath(spell(at));
      issues.push(
        file === undefined ? { path, message: NUL_MESSAGE } : { file, path, message: NUL_MESSAGE },
      );
      if (issues.length >= MAX_REPORTED_ISSUES) break;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], { seg: i, up: at }]);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        // A field name holding one is reported as the text it is.
        const inner = k.includes('\u0000') ? k : (v as Record<string, unknown>)[k];
        stack.push([inner, { seg: k, up: at }]);
      }
    }
  }
  return issues;
}

/** Keep at most MAX_REPORTED_ISSUES issues. */
export function capIssues(issues: readonly InputIssue[]): InputIssue[] {
  return issues.slice(0, MAX_REPORTED_ISSUES);
}

// ---------------------------------------------------------------------------------------
// Text positions and JSON syntax errors

/** 1-based line and column of a character offset. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Nesting the scanner follows (it recurses once per level); deeper text is left to
 * JSON.parse's own message, so a hostile file cannot exhaust the stack.
 */
const MAX_SCAN_DEPTH = 500;

/** Where and why `text` is not JSON, found by a small strict scanner (no values built). */
export function locateJsonError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  let depth = 0;
  const n = text.length;
  class TooDeep {}
  class Stop {
    constructor(
      readonly offset: number,
      readonly message: string,
    ) {}
  }
  const fail = (message: string, at = i): never => {
    throw new Stop(at, message);
  };
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++;
  };
  const str = () => {
    const start = i;
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
            fail('bad \\u escape in a string: write four hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('bad escape in a string: use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
        continue;
      }
      if (c < 32)
        fail('a string cannot contain a line break or control character; write \\n instead');
      i++;
    }
    fail('a string is not closed: add the closing double quote', start);
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail('not a valid number');
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    ws();
    if (i >= n) fail('the file ends where a value was expected');
    const c = text[i];
    if ((c === '{' || c === '[') && depth >= MAX_SCAN_DEPTH) throw new TooDeep();
    if (c === '{') {
      depth++;
      i++;
      ws();
      if (text[i] === '}') {
        depth--;
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"')
          fail(
            text[i] === '}'
              ? 'a comma before `}`: remove the trailing comma'
              : 'expected a field name in double quotes',
          );
        str();
        ws();
        if (text[i] !== ':') fail('expected `:` after the field name');
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          depth--;
          i++;
          return;
        }
        fail(
          i >= n
            ? 'the file ends inside an object: add the closing `}`'
            : 'expected `,` or `}` after a field value',
        );
      }
    }
    if (c === '[') {
      depth++;
      i++;
      ws();
      if (text[i] === ']') {
        depth--;
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === ']') fail('a comma before `]`: remove the trailing comma');
          continue;
        }
        if (text[i] === ']') {
          depth--;
          i++;
          return;
        }
        fail(
          i >= n
            ? 'the file ends inside a list: add the closing `]`'
            : 'expected `,` or `]` after a list item',
        );
      }
    }
    if (c === '"') return str();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (c === "'") fail('strings need double quotes (") in JSON, not single quotes');
    fail(
      `unexpected \`${c}\`: expected a value (text in double quotes, a number, true, false, null, an object or a list)`,
    );
  };
  try {
    value();
    ws();
    if (i < n) fail('unexpected text after the end of the JSON document');
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, message: e.message };
    if (e instanceof TooDeep) return undefined;
    throw e;
  }
}

/** JSON.parse that reports a syntax error as one InputIssue with line and column. */
export function parseJsonText(
  text: string,
  file?: string,
): { ok: true; value: unknown } | { ok: false; issue: InputIssue } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (e) {
    const located = locateJsonError(body);
    let offset = located?.offset;
    if (offset === undefined) {
      const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
      offset = m ? Number(m[1]) : body.length;
    }
    const { line, column } = lineColumnAt(body, offset);
    const why = located?.message ?? (e instanceof Error ? e.message : String(e));
    const issue: InputIssue = {
      path: `line ${line}, column ${column}`,
      message:
        body.trim() === ''
          ? 'the file is empty: it must contain a JSON object'
          : `not valid JSON: ${why}`,
    };
    if (file !== undefined) issue.file = file;
    return { ok: false, issue };
  }
}

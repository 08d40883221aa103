/**
 * What the input fuzz tests share: mutations of a valid document (a field dropped, renamed
 * or given a hostile value, an entry repeated, a value buried under deep nesting), and the
 * check that a reader either accepts its input or throws an InputError a person can act on.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { InputError, MAX_REPORTED_ISSUES } from '../../src/domain/errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Segment = string | number;

/** Every path inside `value` (the root excluded), parents before children. */
export function pathsOf(value: Json): Segment[][] {
  const out: Segment[][] = [];
  const walk = (v: Json, path: Segment[]) => {
    if (Array.isArray(v))
      v.forEach((item, i) => {
        out.push([...path, i]);
        walk(item, [...path, i]);
      });
    else if (v !== null && typeof v === 'object')
      for (const [k, item] of Object.entries(v)) {
        out.push([...path, k]);
        walk(item, [...path, k]);
      }
  };
  walk(value, []);
  return out;
}

/** Sets an own property, even one named `__proto__`. */
function put(target: object, key: Segment, value: Json): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function parentOf(root: Json, path: Segment[]): Json {
  let cur = root;
  for (const seg of path.slice(0, -1)) cur = (cur as Record<Segment, Json>)[seg] as Json;
  return cur;
}

/** `[[[…value…]]]`, `depth` levels. */
export function nested(depth: number, inner: Json = 0): Json {
  let v = inner;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { n: v };
  return v;
}

/** Values that break a field in the ways real files do. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    '',
    ' ',
    0,
    -1,
    -150000,
    0.5,
    1500.75,
    1e21,
    -1e21,
    2 ** 53,
    Number.MAX_SAFE_INTEGER,
    1e308,
    '150000',
    '$1,500.00',
    '2026-02-30',
    '2026-13-01',
    '2026-00-10',
    '2025-02-29',
    '02/30/2026',
    '2026-2-3',
    '2026-10-01T16:00:00Z',
    'Mars/Olympus',
    'america/los_angeles',
    'PST',
    'US/Nowhere',
    '25:61',
    'not-an-email',
    '+1',
    'null',
    'Ana\u0000Ruiz',
    '__proto__',
    'constructor',
    '💥🏠'.repeat(20),
    'x'.repeat(10_000),
    [],
    {},
    [null],
    JSON.parse('{"__proto__": {"id": "P1"}}') as Json,
    { constructor: { prototype: 1 } },
  ),
  fc.integer({ min: 1, max: 400 }).map((d) => nested(d)),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

export type Mutation =
  | { kind: 'drop'; at: number }
  | { kind: 'rename'; at: number; name: string }
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'repeat'; at: number }
  | { kind: 'bury'; at: number; depth: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('rename' as const),
    at: fc.nat(),
    name: fc.oneof(
      fc.constantFrom('ID', 'leaseid', 'amount_cents', 'amountCent', 'tenantsIds', 'duedate', ''),
      fc.string({ maxLength: 12 }),
    ),
  }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('bury' as const),
    at: fc.nat(),
    // Deeper texts have their own test; here the document must still go through
    // JSON.stringify (which itself recurses) after several burials.
    depth: fc.integer({ min: 1, max: 400 }),
  }),
);

/** `doc` (copied) with `m` applied at its `at`-th path (modulo the number of paths). */
export function applyMutation(doc: Json, m: Mutation): Json {
  const root = structuredClone(doc);
  const paths = pathsOf(root);
  if (paths.length === 0) return m.kind === 'replace' ? m.value : root;
  const path = paths[m.at % paths.length] as Segment[];
  const parent = parentOf(root, path) as Record<Segment, Json> & Json[];
  const key = path[path.length - 1] as Segment;
  switch (m.kind) {
    case 'drop':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'rename':
      if (!Array.isArray(parent) && !Object.hasOwn(parent, m.name)) {
        put(parent, m.name, parent[key] as Json);
        delete parent[key];
      }
      break;
    case 'replace':
      put(parent, key, structuredClone(m.value));
      break;
    case 'repeat':
      if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number] as Json));
      break;
    case 'bury':
      put(parent, key, nested(m.depth, parent[key] as Json));
      break;
  }
  return root;
}

/** The text without what it quotes from the input (`…`, "…"), to judge the wording alone. */
function ownWords(message: string): string {
  return message.replace(/`[^`]*`/g, '').replace(/"(?:[^"\\]|\\.)*"/g, '');
}

/**
 * Runs `read`: it returns a value, or throws an InputError naming, for each problem, the
 * file, where (a JSON path, or a line and column) and a message in words; never anything
 * else (a TypeError, a RangeError, a thrown string).
 */
export function acceptedOrInputError<T>(
  read: () => T,
  file: string | undefined,
): { ok: true; value: T } | { ok: false; error: InputError } {
  let value: T;
  try {
    value = read();
  } catch (e) {
    if (!(e instanceof InputError)) {
      const what = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
      throw new Error(`not an InputError: ${what}`, { cause: e });
    }
    expectActionable(e, file);
    return { ok: false, error: e };
  }
  return { ok: true, value };
}

/** At least one issue, at most 50, each with a place and words that do not leak internals. */
export function expectActionable(e: InputError, file: string | undefined): void {
  expect(e.issues.length).toBeGreaterThan(0);
  expect(e.issues.length).toBeLessThanOrEqual(MAX_REPORTED_ISSUES);
  expect(e.message).not.toBe('');
  for (const issue of e.issues) {
    if (file !== undefined) expect(issue.file).toBe(file);
    expect(typeof issue.path).toBe('string');
    expect(issue.path).not.toBe('');
    expect(issue.message.length).toBeGreaterThan(5);
    expect(ownWords(issue.message)).not.toMatch(/undefined|\[object Object\]|Cannot read prop/);
  }
}

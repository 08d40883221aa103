/**
 * Fuzzing the portfolio reader (SPEC 3.1) with fast-check: whatever the file holds — any
 * JSON value, text that is not JSON, a real portfolio with fields dropped, renamed, given
 * the wrong type, an impossible date, an amount that is negative, fractional or huge, an
 * unknown time zone, a repeated id, or buried under thousands of levels of nesting — the
 * reader accepts it or throws an InputError naming the file, the path and what to do.
 * Never a TypeError or RangeError (the CLI would print a stack; the API would answer 500).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePortfolio, portfolioFromValue } from '../../src/domain/portfolio/read.js';
import { formatPath, valueAt } from '../../src/domain/validation.js';
import {
  acceptedOrInputError,
  applyMutation,
  hostileValue,
  type Json,
  mutation,
  pathsOf,
} from './mutate.js';

const FILE = 'portfolio.json';
const EXAMPLE = JSON.parse(
  readFileSync(new URL('../../examples/portfolios/residential-ca.json', import.meta.url), 'utf8'),
) as { [section: string]: Json[] };

type Row = { [field: string]: Json };
const rowsOf = (section: string) => (EXAMPLE[section] ?? []) as Row[];

/**
 * The example cut down to the leases its events and cases name (and the first one), with
 * their tenants and ledgers: every kind of field is still there, so the mutations reach
 * them all, and each run stays fast.
 */
const SMALL: Json = (() => {
  const leaseIds = new Set<Json>([
    rowsOf('leases')[0]!.id!,
    ...rowsOf('events')
      .slice(0, 3)
      .map((e) => e.leaseId!),
    ...rowsOf('cases').map((c) => c.leaseId!),
  ]);
  const leases = rowsOf('leases').filter((l) => leaseIds.has(l.id!));
  const tenantIds = new Set(leases.flatMap((l) => l.tenantIds as Json[]));
  return {
    ...EXAMPLE,
    tenants: rowsOf('tenants').filter((t) => tenantIds.has(t.id!)),
    leases,
    ledger: rowsOf('ledger').filter((e) => leaseIds.has(e.leaseId!)),
    events: rowsOf('events').filter(
      (e) => leaseIds.has(e.leaseId!) && (e.tenantId === undefined || tenantIds.has(e.tenantId)),
    ),
    cases: rowsOf('cases').filter((c) => leaseIds.has(c.leaseId!)),
  } as Json;
})();

const read = (text: string) => acceptedOrInputError(() => parsePortfolio(text, FILE), FILE);

describe('portfolio reader under fuzzing (SPEC 3.1)', () => {
  it('the example itself is accepted (the mutations start from a valid file)', () => {
    expect(read(JSON.stringify(SMALL)).ok).toBe(true);
    expect(read(JSON.stringify(EXAMPLE)).ok).toBe(true);
  });

  it('any JSON value: accepted or an InputError naming file, path and fix', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        read(JSON.stringify(value));
      }),
      { numRuns: 200 },
    );
  });

  it('any value handed over already parsed (a source sync): accepted or an InputError', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3, withNullPrototype: true }), (value) => {
        acceptedOrInputError(() => portfolioFromValue(value, 'source'), 'source');
      }),
      { numRuns: 200 },
    );
  });

  it('text that is not JSON: one issue at a line and column', () => {
    const pieces = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      '"properties"',
      '"ledger"',
      '1e999',
      '-',
      '01',
      'NaN',
      'true',
      "'",
      '\\u12',
      '\n',
      '\r\n',
      '\t',
      '\u0000',
      '\ufeff',
      '// comment',
      '💥',
    );
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.array(pieces, { maxLength: 60 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(text, (t) => {
        const r = read(t);
        if (!r.ok && r.error.issues[0]?.message.startsWith('not valid JSON'))
          expect(r.error.issues).toEqual([
            {
              file: FILE,
              path: expect.stringMatching(/^line \d+, column \d+$/),
              message: expect.any(String),
            },
          ]);
      }),
      { numRuns: 250 },
    );
  });

  it('a valid file cut short anywhere: an InputError at a line and column', () => {
    const text = JSON.stringify(SMALL, null, 2);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 1 }), (cut) => {
        const r = read(text.slice(0, cut));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.issues[0]?.path).toMatch(/^line \d+, column \d+$/);
      }),
      { numRuns: 120 },
    );
  });

  it('thousands of levels of nesting, closed or not, never exhaust the stack', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom('[', '{"a":', '[{"ledger":'),
        fc.boolean(),
        (depth, open, closed) => {
          const start = `{"properties":${open.repeat(depth)}`;
          const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
          read(closed ? `${start}1${close.repeat(depth)}}` : start);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a real portfolio with 1–5 random mutations: accepted or an InputError', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (ms) => {
        const doc = ms.reduce(applyMutation, SMALL);
        const text = JSON.stringify(doc);
        const first = read(text);
        // The same bytes always give the same answer.
        const again = read(text);
        expect(again.ok).toBe(first.ok);
        if (!first.ok && !again.ok) expect(again.error.issues).toEqual(first.error.issues);
        // What is accepted is normalised once and for all: reading it back changes nothing.
        if (first.ok) expect(read(JSON.stringify(first.value))).toEqual(first);
      }),
      { numRuns: 120 },
    );
  });

  describe('a broken field is reported at its own path, with the fix', () => {
    type Target = { section: string; field: string };
    const atRow = (t: Target, row: number, value: Json) => {
      const doc = structuredClone(SMALL) as { [section: string]: { [field: string]: Json }[] };
      const rows = doc[t.section]!;
      const i = row % rows.length;
      rows[i]![t.field] = value;
      return { text: JSON.stringify(doc), path: `${t.section}[${i}].${t.field}` };
    };
    const issuesAt = (text: string, path: string) => {
      const r = read(text);
      expect(r.ok).toBe(false);
      return r.ok ? [] : r.error.issues.filter((i) => i.path === path).map((i) => i.message);
    };

    it('an impossible or badly written date', () => {
      const badDate = fc.oneof(
        fc
          .record({
            y: fc.integer({ min: 1900, max: 2100 }),
            m: fc.integer({ min: 0, max: 99 }),
            d: fc.integer({ min: 0, max: 99 }),
          })
          .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`)
          .filter((s) => Number.isNaN(Date.parse(`${s}T00:00:00Z`)) || !sameDay(s)),
        fc.constantFrom('2026/10/01', '10/01/2026', '2026-1-1', '20261001', '2026-10-01T00:00', ''),
      );
      const target = fc.constantFrom<Target>(
        { section: 'ledger', field: 'date' },
        { section: 'ledger', field: 'dueDate' },
      );
      fc.assert(
        fc.property(target, fc.nat(), badDate, (t, row, value) => {
          const { text, path } = atRow(t, row, value);
          expect(issuesAt(text, path).join('\n')).toMatch(/YYYY-MM-DD/);
        }),
        { numRuns: 100 },
      );
    });

    it('an amount that is negative, zero, fractional, huge or not a number', () => {
      const badCents = fc.oneof(
        fc.integer({ max: 0 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isSafeInteger(x)),
        fc.constantFrom<Json>(2 ** 53, 1e21, '150000', null, true, [150000]),
      );
      fc.assert(
        fc.property(fc.nat(), badCents, (row, value) => {
          const { text, path } = atRow({ section: 'ledger', field: 'amountCents' }, row, value);
          expect(issuesAt(text, path).join('\n')).toMatch(/cents|number/);
        }),
        { numRuns: 100 },
      );
    });

    it('a time zone that is not IANA', () => {
      const zone = fc.oneof(
        fc.constantFrom('Mars/Olympus', 'PST', 'America/Nowhere', 'EST5EDT', 'GMT+1', 'Z', ''),
        fc.string({ maxLength: 20 }).filter((s) => !s.includes('/') && s !== 'UTC'),
      );
      fc.assert(
        fc.property(zone, (value) => {
          const { text, path } = atRow({ section: 'properties', field: 'timezone' }, 0, value);
          expect(issuesAt(text, path).join('\n')).toMatch(/IANA time zone/);
        }),
        { numRuns: 100 },
      );
    });

    it('an id used twice in a section', () => {
      const section = fc.constantFrom('properties', 'tenants', 'leases', 'ledger');
      fc.assert(
        fc.property(section, fc.nat(), (name, row) => {
          const doc = structuredClone(SMALL) as { [section: string]: Json[] };
          const rows = doc[name]!;
          rows.push(structuredClone(rows[row % rows.length]!));
          const issues = issuesAt(JSON.stringify(doc), `${name}[${rows.length - 1}].id`);
          expect(issues.join('\n')).toMatch(/duplicate id .* rename one or remove/);
        }),
        { numRuns: 40 },
      );
    });

    it('a text holding a NUL character (which PostgreSQL cannot store) is refused at its path', () => {
      const texts = pathsOf(SMALL).filter((p) => typeof valueAt(SMALL, p) === 'string');
      fc.assert(
        fc.property(fc.constantFrom(...texts), fc.nat({ max: 8 }), (path, at) => {
          const doc = applyMutation(SMALL, {
            kind: 'replace',
            at: pathsOf(SMALL).findIndex((p) => formatPath(p) === formatPath(path)),
            value: `${String(valueAt(SMALL, path)).slice(0, at)}\u0000`,
          });
          expect(issuesAt(JSON.stringify(doc), formatPath(path)).join('\n')).toMatch(
            /NUL character .* remove it/,
          );
        }),
        { numRuns: 60 },
      );
    });

    it('a field with a hostile value names that field (or its parent) in the answer', () => {
      const targets = fc.constantFrom<Target>(
        { section: 'properties', field: 'jurisdiction' },
        { section: 'properties', field: 'kind' },
        { section: 'tenants', field: 'phone' },
        { section: 'tenants', field: 'consent' },
        { section: 'leases', field: 'tenantIds' },
        { section: 'leases', field: 'rentCents' },
        { section: 'ledger', field: 'type' },
      );
      fc.assert(
        fc.property(targets, fc.nat(), hostileValue, (t, row, value) => {
          const { text, path } = atRow(t, row, value);
          const r = read(text);
          if (!r.ok)
            expect(r.error.issues.some((i) => i.path.startsWith(path.replace(/\.\w+$/, '')))).toBe(
              true,
            );
        }),
        { numRuns: 120 },
      );
    });
  });
});

function sameDay(s: string): boolean {
  return new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

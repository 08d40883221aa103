import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson } from './canonical-json.js';

/** RFC 8785 for the values audit entries hold, written the slow and obvious way. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${reference(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonical JSON', () => {
  it('sorts keys by UTF-16 code unit at every level, without whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' }, B: -0.5 })).toBe(
      '{"B":-0.5,"a":{"c":"x","d":[true,null]},"b":1}',
    );
  });

  it('writes index-like keys and __proto__ in sorted order too', () => {
    const parsed = JSON.parse('{"b":1,"10":2,"9":3,"__proto__":4}') as unknown;
    expect(canonicalJson(parsed)).toBe('{"10":2,"9":3,"__proto__":4,"b":1}');
  });

  it('is the reference serialisation for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 500 },
    );
  });

  it('is the reference serialisation for values already (partly) in canonical order', () => {
    // Objects whose keys were inserted in order take the path that copies nothing.
    const ordered = (v: unknown, level: number): unknown => {
      if (Array.isArray(v)) return v.map((x) => ordered(x, level + 1));
      if (v === null || typeof v !== 'object') return v;
      const record = v as Record<string, unknown>;
      const keys = level % 2 === 0 ? Object.keys(record).sort() : Object.keys(record);
      return Object.fromEntries(keys.map((k) => [k, ordered(record[k], level + 1)]));
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(1), (v, start) => {
        expect(canonicalJson(ordered(v, start))).toBe(reference(v));
      }),
      { numRuns: 500 },
    );
    expect(canonicalJson({ a: 1, b: { d: 2, c: [{ f: 1, e: 2 }] } })).toBe(
      '{"a":1,"b":{"c":[{"e":2,"f":1}],"d":2}}',
    );
  });

  it('rejects what JSON cannot represent, naming the path', () => {
    expect(() => canonicalJson({ a: [1, undefined] })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ a: [1, undefined] })).toThrow('$.a[1]');
    expect(() => canonicalJson({ at: new Date(0) })).toThrow('$.at');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow('$.n');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow('cyclic');
  });
});

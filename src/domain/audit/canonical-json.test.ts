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

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import {
  ChainVerifier,
  dataHash,
  entryHash,
  GENESIS_HASH,
  isTombstone,
  nextEntry,
  tombstone,
  verifyChain,
  type AuditEntry,
} from './chain.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function chainOf(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < n; i++)
    entries.push(
      nextEntry(entries.at(-1), {
        at: `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T16:00:00Z`,
        actor: i % 2 ? 'user:u1' : 'system:scan',
        type: 'action.planned',
        subject: i % 3 ? 'lease:L1' : 'tenant:T1',
        data: {
          key: `L1:1:late-notice:sms`,
          i,
          phone: '+14155550101',
          nested: { b: 2, a: [1, 'x'] },
        },
      }),
    );
  return entries;
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'é' } })).toBe(
      '{"a":{"c":"é","d":[3,{"y":true,"z":null}]},"b":1}',
    );
  });

  it('is independent of key insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('writes numbers and strings as JSON does (RFC 8785 for these values)', () => {
    expect(canonicalJson([1e21, 0.1, -0, 150000, 'a"b\n', '\u2028'])).toBe(
      '[1e+21,0.1,0,150000,"a\\"b\\n","\u2028"]',
    );
  });

  it.each([
    [undefined, '$: undefined'],
    [{ a: undefined }, '$.a: undefined'],
    [[1, undefined], '$[1]: undefined'],
    [{ n: NaN }, '$.n: NaN'],
    [{ n: Infinity }, '$.n: Infinity'],
    [{ d: new Date(0) }, '$.d: Date is not a plain object'],
    [{ b: 1n }, '$.b: a bigint'],
    [{ f: () => 1 }, '$.f: a function'],
  ])('rejects %s', (value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it('rejects cycles but accepts a shared (acyclic) object twice', () => {
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: shared })).toBe('{"x":{"a":1},"y":{"a":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow('cyclic');
  });
});

describe('audit chain (SPEC 7)', () => {
  it('computes dataHash and hash exactly as the spec states', () => {
    const e = nextEntry(undefined, {
      at: '2026-10-06T16:00:00Z',
      actor: 'system:scan',
      type: 'action.planned',
      subject: 'lease:L1',
      data: { key: 'L1:1:late-notice:sms', amountCents: 7500 },
    });
    expect(e.seq).toBe(1);
    expect(e.prevHash).toBe(GENESIS_HASH);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
    expect(e.dataHash).toBe(sha256('{"amountCents":7500,"key":"L1:1:late-notice:sms"}'));
    expect(e.hash).toBe(
      sha256(
        GENESIS_HASH +
          `{"actor":"system:scan","at":"2026-10-06T16:00:00Z","dataHash":"${e.dataHash}",` +
          `"prevHash":"${GENESIS_HASH}","seq":1,"subject":"lease:L1","type":"action.planned"}`,
      ),
    );
    expect(entryHash(e.prevHash, e)).toBe(e.hash);
    expect(dataHash(e.data)).toBe(e.dataHash);
  });

  it('links each entry to the previous one', () => {
    const [a, b] = chainOf(2);
    expect(b!.seq).toBe(2);
    expect(b!.prevHash).toBe(a!.hash);
  });

  it('verifies an intact chain', () => {
    expect(verifyChain(chainOf(20))).toEqual({
      ok: true,
      count: 20,
      head: { seq: 20, hash: chainOf(20)[19]!.hash },
    });
    expect(verifyChain([])).toEqual({ ok: true, count: 0, head: undefined });
  });

  it('breaks at the entry whose data changed', () => {
    const entries = chainOf(10);
    entries[6] = { ...entries[6]!, data: { ...(entries[6]!.data as object), i: 99 } };
    expect(verifyChain(entries)).toMatchObject({
      ok: false,
      seq: 7,
      reason: 'data_hash_mismatch',
      verified: 6,
    });
  });

  it.each([
    ['at', 'hash_mismatch'],
    ['actor', 'hash_mismatch'],
    ['type', 'hash_mismatch'],
    ['subject', 'hash_mismatch'],
    ['dataHash', 'hash_mismatch'],
    ['hash', 'hash_mismatch'],
    ['prevHash', 'prev_hash_mismatch'],
  ] as const)('breaks at the entry whose %s changed', (field, reason) => {
    const entries = chainOf(10);
    const e = entries[3]!;
    entries[3] = { ...e, [field]: e[field].replace(/.$/, (c) => (c === '0' ? '1' : '0')) };
    expect(verifyChain(entries)).toMatchObject({ ok: false, seq: 4, reason });
  });

  it('catches a removed, duplicated or reordered entry', () => {
    const entries = chainOf(10);
    expect(verifyChain(entries.filter((e) => e.seq !== 5))).toMatchObject({
      ok: false,
      seq: 5,
      reason: 'missing_entries',
    });
    expect(verifyChain([...entries.slice(0, 5), entries[3]!])).toMatchObject({
      ok: false,
      seq: 4,
      reason: 'seq_out_of_order',
    });
    // A re-chained copy with one entry left out: every link is internally consistent but
    // the first seq is not 1.
    expect(verifyChain(entries.slice(1))).toMatchObject({ seq: 1, reason: 'missing_entries' });
  });

  it('catches entries cut off the end when the head is known', () => {
    const entries = chainOf(10);
    const head = { seq: 10, hash: entries[9]!.hash };
    expect(verifyChain(entries, head)).toMatchObject({ ok: true, count: 10 });
    expect(verifyChain(entries.slice(0, 8), head)).toMatchObject({
      ok: false,
      seq: 9,
      reason: 'missing_entries',
    });
    expect(verifyChain(entries, { seq: 9, hash: entries[8]!.hash })).toMatchObject({
      seq: 10,
      reason: 'head_mismatch',
    });
    expect(verifyChain([], { seq: 0, hash: GENESIS_HASH })).toMatchObject({ ok: true });
  });

  it('a tombstoned entry keeps the chain verifiable', () => {
    const entries = chainOf(10);
    const erased = entries.map((e) =>
      e.subject === 'tenant:T1'
        ? tombstone(e, { at: '2026-12-01T00:00:00Z', by: 'user:dpo', reason: 'erasure request 17' })
        : e,
    );
    expect(erased.filter((e) => isTombstone(e.data))).toHaveLength(4);
    expect(erased[0]!.data).toEqual({
      $tombstone: { at: '2026-12-01T00:00:00Z', by: 'user:dpo', reason: 'erasure request 17' },
    });
    expect(erased[0]!.dataHash).toBe(entries[0]!.dataHash);
    expect(verifyChain(erased)).toMatchObject({ ok: true, count: 10 });
  });

  it('only an exact tombstone is exempt from the dataHash check', () => {
    const entries = chainOf(3);
    const fakes: unknown[] = [
      { $tombstone: { at: 'x', by: 'y' } },
      { $tombstone: { at: 'x', by: 'y', reason: 'z' }, extra: 1 },
      { $tombstone: { at: 'x', by: 'y', reason: 'z', phone: '+14155550101' } },
      { $tombstone: 'gone' },
    ];
    for (const fake of fakes) {
      const tampered = [...entries];
      tampered[1] = { ...entries[1]!, data: fake as JsonValue };
      expect(verifyChain(tampered)).toMatchObject({
        ok: false,
        seq: 2,
        reason: 'data_hash_mismatch',
      });
    }
  });

  it('hashes stored bytes when given, so a byte change that parses the same is caught', () => {
    const [e] = chainOf(1);
    const stored = canonicalJson(e!.data);
    expect(new ChainVerifier().add(e!, stored)).toBeUndefined();
    expect(new ChainVerifier().add(e!, ` ${stored}`)).toMatchObject({
      seq: 1,
      reason: 'data_hash_mismatch',
    });
  });

  it('stores the data as it was hashed and rejects malformed input', () => {
    const e = nextEntry(undefined, {
      at: '2026-10-06T16:00:00.000Z',
      actor: 'a',
      type: 't',
      subject: 's',
      data: { z: -0, a: 1 },
    });
    expect(Object.keys(e.data as object)).toEqual(['a', 'z']);
    const base = { at: '2026-10-06T16:00:00Z', actor: 'a', type: 't', subject: 's', data: {} };
    expect(() => nextEntry(undefined, { ...base, at: '2026-10-06 16:00' })).toThrow('ISO-8601');
    expect(() => nextEntry(undefined, { ...base, subject: '' })).toThrow('subject');
    expect(() => nextEntry(undefined, { ...base, data: { x: undefined } })).toThrow('$.x');
  });
});

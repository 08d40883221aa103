import { describe, expect, it } from 'vitest';
import { InputError } from '../domain/errors.js';
import {
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  encodeCursor,
  MAX_PAGE_LIMIT,
  pageOf,
  pageRequest,
} from './pagination.js';

describe('cursors', () => {
  it('round-trip any JSON position as opaque base64url', () => {
    for (const key of ['L1', 42, ['2026-10-06T16:00:00.000Z', 'key:1'], { at: 'x', id: 'é/?' }]) {
      const cursor = encodeCursor(key);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual(key);
    }
  });

  it('refuse anything they did not give out, as invalid input on query.cursor', () => {
    const foreign = Buffer.from(JSON.stringify({ offset: 10 })).toString('base64url');
    for (const bad of ['!!', 'bm90IGpzb24', foreign, 'A'.repeat(5000)]) {
      const error = (() => {
        try {
          decodeCursor(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).issues[0]?.path).toBe('query.cursor');
    }
  });
});

describe('pageRequest', () => {
  it('defaults, bounds and parses', () => {
    expect(pageRequest({})).toEqual({ limit: DEFAULT_PAGE_LIMIT, after: undefined });
    expect(pageRequest({ limit: '10', cursor: encodeCursor('k') })).toEqual({
      limit: 10,
      after: 'k',
    });
    expect(pageRequest({ limit: 5 }, { defaultLimit: 20 }).limit).toBe(5);
    for (const limit of ['0', '-1', '1.5', 'ten', String(MAX_PAGE_LIMIT + 1)])
      expect(() => pageRequest({ limit })).toThrow(
        `must be a whole number from 1 to ${MAX_PAGE_LIMIT}`,
      );
  });
});

describe('pageOf', () => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  it('gives a cursor when a further row was read, none on the last page', () => {
    const first = pageOf(rows, { limit: 2, after: undefined }, (r) => r.id);
    expect(first.items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(decodeCursor(first.nextCursor!)).toBe('b');
    expect(pageOf(rows.slice(2), { limit: 2, after: 'b' }, (r) => r.id)).toEqual({
      items: [{ id: 'c' }],
      nextCursor: null,
    });
    expect(pageOf([], { limit: 2, after: undefined }, (r: { id: string }) => r.id)).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});

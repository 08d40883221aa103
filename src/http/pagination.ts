/**
 * Cursor pagination for list endpoints: `?limit=&cursor=` in, `{items, nextCursor}` out.
 *
 * A cursor is opaque to clients: base64url of `{"v":1,"k":<position>}` where the position
 * is the sort key of the last item returned (keyset pagination: stable while rows are
 * added, no OFFSET scans). The route decides what the key is; a repository reads the
 * rows after it, in the same order, asking for `limit + 1` to know whether more follow.
 *
 *   const page = pageRequest(request.query);
 *   const rows = await repo.list(orgId, { after: page.after, limit: page.limit + 1 });
 *   return pageOf(rows, page, (r) => [r.createdAt, r.id]);
 */
import { InputError } from '../domain/errors.js';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;
const CURSOR_VERSION = 1;
const MAX_CURSOR_LENGTH = 2048;

/** A JSON value a position may hold. */
export type CursorKey = string | number | boolean | null | CursorKey[] | { [k: string]: CursorKey };

export interface PageRequest {
  limit: number;
  /** The sort key of the last item of the previous page; undefined on the first page. */
  after: CursorKey | undefined;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, k: key }), 'utf8').toString('base64url');
}

const BAD_CURSOR =
  'is not a cursor this API gave out; pass the `nextCursor` of the previous page unchanged';

export function decodeCursor(cursor: string): CursorKey {
  const fail = () => new InputError([{ path: 'query.cursor', message: BAD_CURSOR }]);
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw fail();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw fail();
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    (parsed as { v?: unknown }).v !== CURSOR_VERSION ||
    !('k' in parsed)
  )
    throw fail();
  return (parsed as { k: CursorKey }).k;
}

/** Reads `limit` (default 50, 1–200) and `cursor` from a query string object. */
export function pageRequest(
  query: { limit?: unknown; cursor?: unknown },
  options: { defaultLimit?: number; maxLimit?: number } = {},
): PageRequest {
  const max = options.maxLimit ?? MAX_PAGE_LIMIT;
  let limit = options.defaultLimit ?? DEFAULT_PAGE_LIMIT;
  if (query.limit !== undefined && query.limit !== '') {
    const n = typeof query.limit === 'number' ? query.limit : Number(query.limit);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InputError([
        {
          path: 'query.limit',
          message: `must be a whole number from 1 to ${max}, not \`${String(query.limit)}\``,
        },
      ]);
    limit = n;
  }
  let after: CursorKey | undefined;
  if (query.cursor !== undefined && query.cursor !== '') {
    if (typeof query.cursor !== 'string')
      throw new InputError([{ path: 'query.cursor', message: BAD_CURSOR }]);
    after = decodeCursor(query.cursor);
  }
  return { limit, after };
}

/**
 * The page out of up to `limit + 1` rows read after `request.after`: the first `limit`
 * rows, and a cursor at the last of them when a further row exists.
 */
export function pageOf<T>(
  rows: readonly T[],
  request: PageRequest,
  keyOf: (item: T) => CursorKey,
): Page<T> {
  const items = rows.slice(0, request.limit);
  const last = items.at(-1);
  const more = rows.length > request.limit && last !== undefined;
  return { items, nextCursor: more ? encodeCursor(keyOf(last)) : null };
}

/** The query string schema of a paginated route (validation and the OpenAPI document). */
export const PAGE_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_PAGE_LIMIT,
      default: DEFAULT_PAGE_LIMIT,
      description: `Items per page (1–${MAX_PAGE_LIMIT}, default ${DEFAULT_PAGE_LIMIT}).`,
    },
    cursor: {
      type: 'string',
      description: 'The `nextCursor` of the previous page; omit for the first page.',
    },
  },
} as const;

/** The response schema of a page of `item`. */
export function pageSchema(item: object): object {
  return {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: item },
      nextCursor: { type: ['string', 'null'] },
    },
  };
}

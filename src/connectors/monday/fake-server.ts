/**
 * A local monday.com (reference §12, §20) for tests and the demo: `POST /v2` GraphQL over
 * one in-memory board. It reads the root field of the operation and its arguments (inline
 * literals or `$variables`) — enough of GraphQL for the operations Arrears sends:
 *
 *   items_page_by_column_values(board_id, columns, limit) · items(ids) · boards(ids) · me
 *   create_item(board_id, group_id, item_name, column_values, create_labels_if_missing)
 *   change_multiple_column_values(board_id, item_id, column_values, create_labels_if_missing)
 *   create_update(item_id, body)
 *
 * Answers as monday does: application errors are HTTP 200 with `errors: [{message,
 * locations, path, extensions: {code, status_code}}]` and `account_id` — a missing required
 * argument (`missingRequiredArguments`, graphql-ruby's static validation), an unknown column
 * (`InvalidColumnIdException`), a bad board (`InvalidBoardIdException`), a column value that
 * does not parse (`ColumnValueException`); a wrong token is HTTP 401; `rateLimited()` is
 * HTTP 429 with Retry-After, `complexityExhausted()` is HTTP 200 with
 * `COMPLEXITY_BUDGET_EXHAUSTED` and `retry_in_seconds`; `failNext(n, 5xx)` an outage.
 *
 * Callbacks: `challengeCallback()` and `statusCallback(itemId, label)` build the body and
 * headers monday posts (signed with an app JWT, or none for a board-integration webhook).
 */
import { randomUUID } from 'node:crypto';
import { startFake, type FakeReply, type FakeRequest, type FakeServer } from '../fake/fake-http.js';
import { signMondayJwt } from './webhooks.js';

export interface FakeColumn {
  id: string;
  title: string;
  /** `text`, `numbers`, `status`, `long_text` … */
  type: string;
}

export interface FakeItem {
  id: string;
  name: string;
  groupId: string;
  /** Column id → {text, value (the JSON monday stores)}. */
  columns: Record<string, { text: string; value: unknown }>;
  /** Newest first. */
  updates: { id: string; body: string }[];
}

export interface MondayFakeOptions {
  token?: string;
  boardId?: string;
  columns?: FakeColumn[];
  accountId?: number;
}

export const DEFAULT_COLUMNS: FakeColumn[] = [
  { id: 'name', title: 'Name', type: 'name' },
  { id: 'text_lease', title: 'Lease', type: 'text' },
  { id: 'numbers_case', title: 'Case', type: 'numbers' },
  { id: 'status', title: 'Status', type: 'status' },
  { id: 'text_tenant', title: 'Tenant', type: 'text' },
  { id: 'text_property', title: 'Property', type: 'text' },
  { id: 'text_unit', title: 'Unit', type: 'text' },
  { id: 'numbers_balance', title: 'Balance', type: 'numbers' },
  { id: 'text_stage', title: 'Stage', type: 'text' },
  { id: 'text_last_action', title: 'Last action', type: 'text' },
];

export interface Callback {
  body: string;
  headers: Record<string, string>;
}

export interface CallbackSigning {
  /** Sign as an app webhook (Authorization JWT); omit for a board-integration webhook. */
  signingSecret?: string;
  /** The JWT `aud`: the webhook URL. */
  url?: string;
  /** Seconds from now the JWT expires (default 300; negative: already expired). */
  expiresIn?: number;
}

export interface MondayFake extends FakeServer {
  token: string;
  boardId: string;
  columns: FakeColumn[];
  items: Map<string, FakeItem>;
  /** Items whose lease column (`text_lease` by default) holds `leaseId`. */
  itemsOfLease(leaseId: string, leaseColumn?: string): FakeItem[];
  /** Status labels created so far. */
  labels: Set<string>;
  /** The next `times` calls answer HTTP 429 `RATE_LIMIT_EXCEEDED` with Retry-After. */
  rateLimited(times: number, retryAfterSeconds: number): void;
  /** The next `times` calls answer HTTP 200 with `COMPLEXITY_BUDGET_EXHAUSTED`. */
  complexityExhausted(times: number, retryInSeconds: number): void;
  /**
   * The next `times` calls of one operation (`create_item` …) answer `status`; with
   * `afterApplying` the operation takes effect first (an answer lost after the write).
   */
  failOperation(root: string, times: number, status: number, afterApplying?: boolean): void;
  challengeCallback(challenge: string, signing?: CallbackSigning): Callback;
  statusCallback(itemId: string, label: string, signing?: CallbackSigning): Callback;
}

// ---------------------------------------------------------------------------------------
// Just enough GraphQL

type Args = Record<string, unknown>;

/** The text between the parenthesis at `open` and its match. */
function balanced(s: string, open: number): string | null {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return s.slice(open + 1, i);
    }
  }
  return null;
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if ('([{'.includes(ch!)) depth++;
    else if (')]}'.includes(ch!)) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter(Boolean);
}

function literal(v: string, variables: Args): unknown {
  if (v.startsWith('$')) return variables[v.slice(1)];
  if (v.startsWith('"')) return JSON.parse(v) as unknown;
  if (v === 'true' || v === 'false') return v === 'true';
  if (v === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (v.startsWith('[')) return splitTop(v.slice(1, -1)).map((x) => literal(x, variables));
  if (v.startsWith('{')) {
    const obj: Args = {};
    for (const pair of splitTop(v.slice(1, -1))) {
      const at = pair.indexOf(':');
      obj[pair.slice(0, at).trim()] = literal(pair.slice(at + 1).trim(), variables);
    }
    return obj;
  }
  return v; // an enum value
}

const ROOTS = [
  'items_page_by_column_values',
  'change_multiple_column_values',
  'create_item',
  'create_update',
  'items',
  'boards',
  'me',
] as const;
type Root = (typeof ROOTS)[number];

const REQUIRED: Record<Root, string[]> = {
  items_page_by_column_values: ['board_id'],
  change_multiple_column_values: ['board_id', 'column_values'],
  create_item: ['board_id', 'item_name'],
  create_update: ['item_id', 'body'],
  items: [],
  boards: [],
  me: [],
};

function operationOf(query: string, variables: Args): { root: Root; args: Args } | null {
  for (const root of ROOTS) {
    const m = new RegExp(`\\b${root}\\s*(\\(|\\{)`).exec(query);
    if (!m) continue;
    const args: Args = {};
    if (m[1] === '(') {
      const inner = balanced(query, m.index + m[0].length - 1) ?? '';
      for (const pair of splitTop(inner)) {
        const at = pair.indexOf(':');
        args[pair.slice(0, at).trim()] = literal(pair.slice(at + 1).trim(), variables);
      }
    }
    return { root, args };
  }
  return null;
}

// ---------------------------------------------------------------------------------------

export async function startMondayFake(options: MondayFakeOptions = {}): Promise<MondayFake> {
  const token = options.token ?? 'monday-test-token';
  const boardId = options.boardId ?? '1234567890';
  const columns = options.columns ?? DEFAULT_COLUMNS;
  const accountId = options.accountId ?? 9876543;
  const items = new Map<string, FakeItem>();
  const labels = new Set<string>(['Working on it', 'Done', 'Stuck']);
  let nextId = 5_000_000_000;
  const operationFaults: { root: string; left: number; status: number; after: boolean }[] = [];

  const error = (
    message: string,
    code: string,
    path: string[],
    extra: Record<string, unknown> = {},
    status = 400,
  ) => ({
    message,
    locations: [{ line: 2, column: 3 }],
    path,
    extensions: { code, status_code: status, error_data: {}, ...extra },
  });
  const fail = (
    reply: FakeReply,
    errors: unknown[],
    http = 200,
    headers?: Record<string, string>,
  ) => reply.json(http, { errors, account_id: accountId }, headers);

  /** Parses and stores `column_values`; an error message for the first bad one. */
  function applyValues(item: FakeItem, json: unknown, createLabels: boolean): unknown | null {
    let values: Record<string, unknown>;
    try {
      values = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, unknown>;
      if (values === null || typeof values !== 'object') throw new Error('not an object');
    } catch {
      return error('809: unexpected token', 'JsonParseException', ['column_values']);
    }
    for (const [id, value] of Object.entries(values)) {
      const column = columns.find((c) => c.id === id);
      if (!column)
        return error("This column ID doesn't exist for the board", 'InvalidColumnIdException', [], {
          error_data: { column_id: id },
        });
      if (value === null) {
        delete item.columns[id];
        continue;
      }
      let text: string;
      if (column.type === 'status') {
        const label = (value as { label?: unknown }).label ?? value;
        if (typeof label !== 'string')
          return error(
            'invalid value, please check our API documentation',
            'ColumnValueException',
            [],
            {
              error_data: { column_id: id },
            },
          );
        if (!labels.has(label)) {
          if (!createLabels)
            return error(
              `This status label doesn't exist, possible statuses are: ${[...labels].join(', ')}`,
              'ColumnValueException',
              [],
            );
          labels.add(label);
        }
        text = label;
      } else if (column.type === 'numbers') {
        if (!/^-?\d+(\.\d+)?$/.test(String(value)))
          return error(
            'invalid value, please check our API documentation',
            'ColumnValueException',
            [],
            {
              error_data: { column_id: id },
            },
          );
        text = String(value);
      } else if (column.type === 'long_text')
        text = String((value as { text?: unknown }).text ?? value);
      else text = typeof value === 'string' ? value : JSON.stringify(value);
      item.columns[id] = { text, value };
    }
    return null;
  }

  const itemJson = (item: FakeItem, only?: string[]) => ({
    id: item.id,
    name: item.name,
    column_values: columns
      .filter((c) => c.id !== 'name' && (!only || only.includes(c.id)))
      .map((c) => ({
        id: c.id,
        text: item.columns[c.id]?.text ?? '',
        value: item.columns[c.id] ? JSON.stringify(item.columns[c.id]!.value) : null,
      })),
    updates: item.updates,
  });

  const wrongBoard = (reply: FakeReply, root: string, given: unknown) =>
    String(given) !== boardId
      ? (fail(reply, [
          error('Board not found', 'InvalidBoardIdException', [root], {
            error_data: { board_id: given },
          }),
        ]),
        true)
      : false;

  function run(req: FakeRequest, reply: FakeReply) {
    if (req.headers.authorization !== token)
      return reply.json(401, {
        errors: [
          {
            message: 'Not Authenticated',
            extensions: { code: 'UNAUTHENTICATED', status_code: 401 },
          },
        ],
      });
    const body = req.json as { query?: unknown; variables?: unknown } | undefined;
    if (typeof body?.query !== 'string')
      return reply.json(400, {
        errors: [{ message: 'No query string was present', extensions: { code: 'BAD_REQUEST' } }],
      });
    const variables = (body.variables ?? {}) as Args;
    const op = operationOf(body.query, variables);
    if (!op) return fail(reply, [error('Unknown field', 'undefinedField', [])]);
    const { root, args } = op;
    const missing = REQUIRED[root].filter((a) => args[a] === undefined || args[a] === null);
    if (missing.length)
      return fail(reply, [
        {
          message: `Field '${root}' is missing required arguments: ${missing.join(', ')}`,
          locations: [{ line: 2, column: 3 }],
          path: ['mutation', root],
          extensions: {
            code: 'missingRequiredArguments',
            className: 'Field',
            name: root,
            arguments: missing.join(', '),
          },
        },
      ]);
    const fault = operationFaults.find((f) => f.root === root && f.left > 0);
    if (fault) fault.left--;
    const outage = () =>
      reply.json(fault!.status, {
        errors: [
          {
            message: 'Internal server error',
            extensions: { code: 'INTERNAL_SERVER_ERROR', status_code: fault!.status },
          },
        ],
      });
    if (fault && !fault.after) return outage();
    const ok = (data: unknown) =>
      fault ? outage() : reply.json(200, { data: { [root]: data }, account_id: accountId });

    switch (root) {
      case 'me':
        return ok({ id: '4012689', name: 'Arrears Bot' });
      case 'boards': {
        const ids = ((args.ids as unknown[]) ?? []).map(String);
        return ok(
          ids.length === 0 || ids.includes(boardId)
            ? [{ id: boardId, name: 'Delinquency', columns }]
            : [],
        );
      }
      case 'items': {
        const ids = ((args.ids as unknown[]) ?? []).map(String);
        const wanted =
          body.query.match(/column_values\s*\(\s*ids:\s*(\$\w+|\[[^\]]*\])/)?.[1] ?? null;
        const only = wanted ? (literal(wanted, variables) as string[] | undefined) : undefined;
        return ok(ids.flatMap((id) => (items.has(id) ? [itemJson(items.get(id)!, only)] : [])));
      }
      case 'items_page_by_column_values': {
        if (wrongBoard(reply, root, args.board_id)) return;
        const rules = (args.columns as { column_id?: unknown; column_values?: unknown }[]) ?? [];
        const found = [...items.values()].filter((item) =>
          rules.every((r) =>
            ((r.column_values as unknown[]) ?? [])
              .map(String)
              .includes(item.columns[String(r.column_id)]?.text ?? ''),
          ),
        );
        return ok({
          cursor: null,
          items: found.slice(0, Number(args.limit ?? 25)).map((i) => itemJson(i)),
        });
      }
      case 'create_item': {
        if (wrongBoard(reply, root, args.board_id)) return;
        const item: FakeItem = {
          id: String(nextId++),
          name: String(args.item_name),
          groupId: typeof args.group_id === 'string' ? args.group_id : 'topics',
          columns: {},
          updates: [],
        };
        if (args.column_values !== undefined && args.column_values !== null) {
          const problem = applyValues(
            item,
            args.column_values,
            args.create_labels_if_missing === true,
          );
          if (problem) return fail(reply, [problem]);
        }
        items.set(item.id, item);
        return ok({ id: item.id });
      }
      case 'change_multiple_column_values': {
        if (wrongBoard(reply, root, args.board_id)) return;
        const item = items.get(String(args.item_id));
        if (!item)
          return fail(reply, [
            error('Item not found in board', 'ResourceNotFoundException', [root], {}, 404),
          ]);
        const copy: FakeItem = { ...item, columns: { ...item.columns } };
        const problem = applyValues(
          copy,
          args.column_values,
          args.create_labels_if_missing === true,
        );
        if (problem) return fail(reply, [problem]);
        item.columns = copy.columns;
        return ok({ id: item.id });
      }
      case 'create_update': {
        const item = items.get(String(args.item_id));
        if (!item)
          return fail(reply, [
            error('Item not found', 'ResourceNotFoundException', [root], {}, 404),
          ]);
        const update = { id: String(nextId++), body: String(args.body) };
        item.updates.unshift(update);
        return ok({ id: update.id });
      }
    }
  }

  const server = await startFake((req, reply) => {
    if (req.method === 'POST' && req.path === '/v2') return run(req, reply);
    reply.json(404, { errors: [{ message: 'Not found' }] });
  });

  const headersOf = (body: string, signing: CallbackSigning = {}): Callback => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signing.signingSecret) {
      const iat = Math.floor(Date.now() / 1000);
      headers.authorization = signMondayJwt(signing.signingSecret, {
        accountId,
        userId: 4012689,
        ...(signing.url ? { aud: signing.url } : {}),
        iat,
        exp: iat + (signing.expiresIn ?? 300),
        shortLivedToken: 'short-lived-token',
      });
    }
    return { body, headers };
  };

  return Object.assign(server, {
    token,
    boardId,
    columns,
    items,
    labels,
    itemsOfLease: (leaseId: string, leaseColumn = 'text_lease') =>
      [...items.values()].filter((i) => i.columns[leaseColumn]?.text === leaseId),
    rateLimited: (times: number, retryAfterSeconds: number) =>
      server.fault(times, {
        status: 429,
        headers: { 'retry-after': String(retryAfterSeconds) },
        body: {
          errors: [
            {
              message: 'Rate Limit Exceeded',
              extensions: {
                code: 'RATE_LIMIT_EXCEEDED',
                status_code: 429,
                retry_in_seconds: retryAfterSeconds,
              },
            },
          ],
          account_id: accountId,
        },
      }),
    complexityExhausted: (times: number, retryInSeconds: number) =>
      server.fault(times, {
        status: 200,
        body: {
          errors: [
            {
              message: 'Complexity budget exhausted',
              extensions: {
                code: 'COMPLEXITY_BUDGET_EXHAUSTED',
                complexity: 10_000,
                complexity_budget_left: 100,
                complexity_budget_limit: 5_000_000,
                retry_in_seconds: retryInSeconds,
                status_code: 429,
              },
            },
          ],
          account_id: accountId,
        },
      }),
    failOperation: (root: string, times: number, status: number, afterApplying = false) => {
      operationFaults.push({ root, left: times, status, after: afterApplying });
    },
    challengeCallback: (challenge: string, signing?: CallbackSigning) =>
      headersOf(JSON.stringify({ challenge }), signing),
    statusCallback: (itemId: string, label: string, signing?: CallbackSigning) => {
      const item = items.get(itemId);
      const now = Date.now();
      const event = {
        type: 'update_column_value',
        triggerTime: new Date(now).toISOString(),
        subscriptionId: 73759690,
        userId: 4012689,
        originalTriggerUuid: null,
        boardId: Number(boardId),
        groupId: item?.groupId ?? 'topics',
        pulseId: Number(itemId),
        pulseName: item?.name ?? 'item',
        columnId: 'status',
        columnType: 'color',
        columnTitle: 'Status',
        value: {
          label: {
            index: 7,
            text: label,
            style: { color: '#e2445c', border: '#ce3048' },
            is_done: false,
          },
          post_id: null,
        },
        previousValue: { label: { index: 0, text: item?.columns.status?.text ?? 'Open' } },
        changedAt: now / 1000,
        isTopGroup: true,
        triggerUuid: randomUUID().replace(/-/g, ''),
      };
      return headersOf(JSON.stringify({ event }), signing);
    },
  });
}

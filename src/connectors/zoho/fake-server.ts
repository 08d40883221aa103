/**
 * A local Zoho CRM for tests and the demo (reference §7, §20): Zoho Accounts' token
 * endpoint (refresh-token grant; a refusal is `{"error": "invalid_client" | "invalid_code"}`
 * with HTTP 200 ~), and the v8 API with `Zoho-oauthtoken` auth (401 INVALID_TOKEN),
 * Cases upsert with duplicate_check_fields and per-record answers (MANDATORY_NOT_FOUND for a
 * missing Subject), record reads, the case's Notes (list with `fields`, create), the current
 * user, `actions/watch` channels, and a staff edit helper that returns the notification
 * Zoho would POST to the channel's notify_url (echoing its token).
 */
import { randomBytes } from 'node:crypto';
import {
  postCallback,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeServer,
} from '../fake/fake-http.js';
import { API, FIELDS, MODULE } from './map.js';

type Json = Record<string, unknown>;

export interface ZohoFakeOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenLifetime?: number;
}

export interface ZohoChannel {
  channel_id: number;
  events: string[];
  notify_url: string;
  token: string;
  channel_expiry?: string;
}

export interface ZohoFake extends FakeServer {
  records: Map<string, Json>;
  notes: Map<string, Json & { caseId: string }>;
  channels: ZohoChannel[];
  tokensIssued: number;
  expireTokens(): void;
  /** The next note creations answer 500 — after storing the note when `afterStoring`. */
  failNoteCreation(times: number, afterStoring: boolean): void;
  caseByKey(leaseCase: string): (Json & { id: string }) | undefined;
  /** A user edits the case in Zoho; returns the notification body Zoho would POST. */
  staffEdit(id: string, fields: Json, channel?: { channelId: number; token: string }): Json;
  /** POSTs a notification to the notify_url of the channel it names (as Zoho does). */
  notify(notification: Json): Promise<{ status: number; text: string }>;
}

const error = (
  reply: FakeReply,
  status: number,
  code: string,
  message: string,
  details: Json = {},
) => reply.json(status, { code, details, message, status: 'error' });

const zohoTime = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
let ids = 5_725_767_000_000_000;
const nextId = () => String(++ids);

export async function startZohoFake(o: ZohoFakeOptions): Promise<ZohoFake> {
  const records = new Map<string, Json>();
  const notes = new Map<string, Json & { caseId: string }>();
  const channels: ZohoChannel[] = [];
  const live = new Set<string>();
  const noteFaults = { left: 0, afterStoring: false };
  // eslint-disable-next-line prefer-const -- the handlers read it once it is assigned
  let fake: ZohoFake;

  const owner = { name: 'Arrears Integration', id: '5725767000000411001' };

  function token(req: FakeRequest, reply: FakeReply) {
    // Zoho documents the parameters in the query string; a form body works the same.
    const p = { ...Object.fromEntries(req.query), ...req.form };
    if (p.grant_type !== 'refresh_token')
      return reply.json(200, { error: 'unsupported_grant_type' });
    if (p.client_id !== o.clientId || p.client_secret !== o.clientSecret)
      return reply.json(200, { error: 'invalid_client' });
    if (p.refresh_token !== o.refreshToken) return reply.json(200, { error: 'invalid_code' });
    const access = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    live.add(access);
    fake.tokensIssued++;
    reply.json(200, {
      access_token: access,
      scope: 'ZohoCRM.modules.ALL ZohoCRM.notifications.ALL ZohoCRM.users.READ',
      api_domain: fake.url,
      token_type: 'Bearer',
      expires_in: o.tokenLifetime ?? 3600,
    });
  }

  function upsert(req: FakeRequest, reply: FakeReply) {
    const body = req.json as Json | undefined;
    const data = body?.data;
    if (!Array.isArray(data) || data.length === 0 || data.length > 100)
      return error(reply, 400, 'INVALID_DATA', 'invalid data', {
        expected_data_type: 'jsonarray',
        api_name: 'data',
      });
    const dupFields = Array.isArray(body!.duplicate_check_fields)
      ? (body!.duplicate_check_fields as string[])
      : [];
    const results = data.map((raw, i) => {
      const fields = (raw ?? {}) as Json;
      const existing = [...records.entries()].find(([, r]) =>
        dupFields.some((f) => fields[f] !== undefined && r[f] === fields[f]),
      );
      const now = zohoTime();
      if (existing) {
        Object.assign(existing[1], fields, { Modified_Time: now });
        return {
          code: 'SUCCESS',
          duplicate_field: dupFields.find((f) => existing[1][f] === fields[f]) ?? null,
          action: 'update',
          details: {
            Modified_Time: now,
            Modified_By: owner,
            Created_Time: existing[1].Created_Time,
            id: existing[0],
            Created_By: owner,
          },
          message: 'record updated',
          status: 'success',
        };
      }
      if (typeof fields[FIELDS.subject] !== 'string' || fields[FIELDS.subject] === '')
        return {
          code: 'MANDATORY_NOT_FOUND',
          details: { api_name: FIELDS.subject, json_path: `$.data[${i}].${FIELDS.subject}` },
          message: 'required field not found',
          status: 'error',
        };
      const id = nextId();
      records.set(id, { ...fields, id, Created_Time: now, Modified_Time: now });
      return {
        code: 'SUCCESS',
        duplicate_field: null,
        action: 'insert',
        details: {
          Modified_Time: now,
          Modified_By: owner,
          Created_Time: now,
          id,
          Created_By: owner,
        },
        message: 'record added',
        status: 'success',
      };
    });
    const failed = results.filter((r) => r.status === 'error').length;
    const status =
      failed === results.length
        ? 400
        : failed > 0
          ? 207
          : results.some((r) => r.action === 'insert')
            ? 201
            : 200;
    reply.json(status, { data: results });
  }

  function listNotes(req: FakeRequest, reply: FakeReply, caseId: string) {
    if (!req.query.get('fields'))
      return error(
        reply,
        400,
        'REQUIRED_PARAM_MISSING',
        'One of the expected parameter is missing',
        { param: 'fields' },
      );
    const perPage = Math.min(200, Number(req.query.get('per_page') ?? 200));
    const page = Number(req.query.get('page') ?? 1);
    const all = [...notes.values()].filter((n) => n.caseId === caseId);
    const slice = all.slice((page - 1) * perPage, page * perPage);
    if (slice.length === 0) return reply.empty(204);
    const wanted = req.query.get('fields')!.split(',');
    reply.json(200, {
      data: slice.map((n) =>
        Object.fromEntries([['id', n.id], ...wanted.map((f) => [f, n[f] ?? null])]),
      ),
      info: {
        per_page: perPage,
        count: slice.length,
        page,
        more_records: page * perPage < all.length,
      },
    });
  }

  function addNote(req: FakeRequest, reply: FakeReply, caseId: string) {
    const note = ((req.json as Json | undefined)?.data as Json[] | undefined)?.[0];
    if (!note) return error(reply, 400, 'INVALID_DATA', 'invalid data', { api_name: 'data' });
    if (typeof note.Note_Content !== 'string' || note.Note_Content === '')
      return reply.json(400, {
        data: [
          {
            code: 'MANDATORY_NOT_FOUND',
            details: { api_name: 'Note_Content', json_path: '$.data[0].Note_Content' },
            message: 'required field not found',
            status: 'error',
          },
        ],
      });
    const id = nextId();
    const now = zohoTime();
    const fault = noteFaults.left > 0 ? noteFaults.left-- > 0 : false;
    if (!fault || noteFaults.afterStoring)
      notes.set(id, { ...note, id, caseId, Created_Time: now });
    if (fault) return error(reply, 500, 'INTERNAL_ERROR', 'Internal Server Error');
    reply.json(201, {
      data: [
        {
          code: 'SUCCESS',
          details: {
            Modified_Time: now,
            Modified_By: owner,
            Created_Time: now,
            id,
            Created_By: owner,
          },
          message: 'record added',
          status: 'success',
        },
      ],
    });
  }

  function watch(req: FakeRequest, reply: FakeReply) {
    const w = ((req.json as Json | undefined)?.watch as Json[] | undefined)?.[0];
    if (
      !w ||
      typeof w.channel_id !== 'number' ||
      typeof w.notify_url !== 'string' ||
      !Array.isArray(w.events)
    )
      return error(reply, 400, 'MANDATORY_NOT_FOUND', 'required field not found', {
        api_name: 'channel_id',
      });
    if (typeof w.token === 'string' && w.token.length > 50)
      return error(reply, 400, 'INVALID_DATA', 'token length exceeds 50', { api_name: 'token' });
    const at = channels.findIndex((c) => c.channel_id === w.channel_id);
    if (at >= 0) channels.splice(at, 1);
    channels.push(w as unknown as ZohoChannel);
    reply.json(200, {
      watch: [
        {
          code: 'SUCCESS',
          details: {
            events: (w.events as string[]).map(() => ({
              channel_expiry: w.channel_expiry ?? zohoTime(new Date(Date.now() + 3600_000)),
              resource_uri: `${fake.url}${API}/${MODULE}`,
              resource_id: '5725767000000002175',
              resource_name: MODULE,
              channel_id: w.channel_id,
            })),
          },
          message: 'Successfully subscribed for actions-watch of the given module',
          status: 'success',
        },
      ],
    });
  }

  const base = await startFake((req, reply) => {
    if (req.method === 'POST' && req.path === '/oauth/v2/token') return token(req, reply);
    if (!req.path.startsWith(API))
      return error(
        reply,
        404,
        'INVALID_URL_PATTERN',
        'Please check if the URL trying to access is a correct one',
      );
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Zoho-oauthtoken ') || !live.has(auth.slice('Zoho-oauthtoken '.length)))
      return error(reply, 401, 'INVALID_TOKEN', 'invalid oauth token');
    const rest = req.path.slice(API.length);
    if (req.method === 'GET' && rest === '/users' && req.query.get('type') === 'CurrentUser')
      return reply.json(200, {
        users: [
          {
            id: owner.id,
            full_name: owner.name,
            email: 'integration@oakcourt.example',
            status: 'active',
          },
        ],
      });
    if (req.method === 'POST' && rest === '/actions/watch') return watch(req, reply);
    if (req.method === 'POST' && rest === `/${MODULE}/upsert`) return upsert(req, reply);
    const m = new RegExp(`^/${MODULE}/(\\d+)(/Notes)?$`).exec(rest);
    if (m && !records.has(m[1]!)) return reply.empty(204);
    if (m && m[2] && req.method === 'GET') return listNotes(req, reply, m[1]!);
    if (m && m[2] && req.method === 'POST') return addNote(req, reply, m[1]!);
    if (m && req.method === 'GET') {
      const r = records.get(m[1]!)!;
      const wanted = req.query.get('fields')?.split(',') ?? Object.keys(r);
      return reply.json(200, {
        data: [Object.fromEntries([['id', m[1]], ...wanted.map((f) => [f, r[f] ?? null])])],
      });
    }
    return error(
      reply,
      404,
      'INVALID_URL_PATTERN',
      'Please check if the URL trying to access is a correct one',
    );
  });

  fake = Object.assign(base, {
    records,
    notes,
    channels,
    tokensIssued: 0,
    expireTokens: () => live.clear(),
    failNoteCreation(times: number, afterStoring: boolean) {
      noteFaults.left = times;
      noteFaults.afterStoring = afterStoring;
    },
    caseByKey(leaseCase: string) {
      for (const [id, r] of records) if (r[FIELDS.leaseCase] === leaseCase) return { ...r, id };
      return undefined;
    },
    notify(notification: Json) {
      const c = channels.find((x) => x.channel_id === notification.channel_id);
      if (!c) throw new Error(`no channel ${String(notification.channel_id)} watched`);
      return postCallback(c.notify_url, JSON.stringify(notification), {
        'content-type': 'application/json',
      });
    },
    staffEdit(id: string, fields: Json, channel?: { channelId: number; token: string }) {
      const r = records.get(id);
      if (!r) throw new Error(`no case ${id}`);
      Object.assign(r, fields, { Modified_Time: zohoTime() });
      const c =
        channel ??
        (channels[0] ? { channelId: channels[0].channel_id, token: channels[0].token } : undefined);
      if (!c) throw new Error('no channel watched');
      return {
        server_time: Date.now(),
        query_params: {},
        module: MODULE,
        resource_uri: `${fake.url}${API}/${MODULE}`,
        ids: [id],
        affected_fields: [{ [id]: Object.keys(fields) }],
        operation: 'update',
        channel_id: c.channelId,
        token: c.token,
      };
    },
  });
  return fake;
}

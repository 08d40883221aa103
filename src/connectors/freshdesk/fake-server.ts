/**
 * A local Freshdesk (reference §14, §20) for tests and the demo: Basic auth with the API key
 * (401 `{code: 'invalid_credentials', message}`), validation errors as
 * `{description: 'Validation failed', errors: [{field, message, code}]}`, rate-limit headers
 * on every answer (`failNext(1, 429, {'retry-after': …})` throttles), tickets with their
 * notes, the requester filter, and search with the index lag switched on by `searchLag`.
 *
 *   GET  /api/v2/agents/me
 *   POST /api/v2/tickets                    subject, description, one of requester_id / email /
 *                                           phone (phone needs name); enums; custom fields
 *                                           must exist; fr_due_by ≤ due_by, both in the future
 *   GET  /api/v2/tickets?email=…&updated_since=…  the requester's tickets (400 for an
 *                                           e-mail no contact has)
 *   GET  /api/v2/tickets/{id}   PUT /api/v2/tickets/{id}
 *   POST /api/v2/tickets/{id}/notes         body required
 *   GET  /api/v2/tickets/{id}/conversations
 *   GET  /api/v2/search/tickets?query="cf_x:'v' AND (status:2 OR status:3)"&page=n
 *                                           (also tag:'x'; 30 a page, pages 1–10)
 */
import { randomBytes } from 'node:crypto';
import { postCallback, startFake, type FakeReply, type FakeServer } from '../fake/fake-http.js';

type Json = Record<string, unknown>;

export interface FakeTicket {
  id: number;
  subject: string;
  description: string;
  description_text: string;
  status: number;
  priority: number;
  source: number;
  requester_id: number;
  email: string | null;
  phone: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  group_id: number | null;
  due_by: string | null;
  fr_due_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface FakeNote {
  id: number;
  ticket_id: number;
  body: string;
  body_text: string;
  private: boolean;
  incoming: boolean;
  created_at: string;
}

export interface FreshdeskFakeOptions {
  apiKey: string;
  /** Custom ticket fields the account has (default: `cf_arrears_lease_id`). */
  customFields?: string[];
  /** New tickets stay out of search until `reindex()` (Freshdesk's index lags minutes). */
  searchLag?: boolean;
  now?: () => number;
}

export interface FreshdeskFake extends FakeServer {
  tickets: Map<number, FakeTicket>;
  notes: FakeNote[];
  reindex(): void;
  /** A staff private note on a ticket. */
  staffNote(ticketId: number, html: string): FakeNote;
  /** Posts the automation webhook body for the ticket's latest private note. */
  automation(
    url: string,
    secret: string,
    ticketId: number,
  ): Promise<{ status: number; text: string }>;
  automationBody(ticketId: number): string;
}

export const fd = {
  validation(errors: { field: string; message: string; code: string }[]) {
    return { description: 'Validation failed', errors };
  },
};

const STATUSES = [2, 3, 4, 5];
const PRIORITIES = [1, 2, 3, 4];
const SOURCES = [1, 2, 3, 7, 9, 10];
const text = (html: string) =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

export async function startFreshdeskFake(options: FreshdeskFakeOptions): Promise<FreshdeskFake> {
  const now = options.now ?? Date.now;
  const iso = () => new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const fields = new Set(options.customFields ?? ['cf_arrears_lease_id']);
  const tickets = new Map<number, FakeTicket>();
  const notes: FakeNote[] = [];
  const indexed = new Set<number>();
  const contacts = new Map<string, number>();
  let nextTicket = 1000;
  let nextNote = 5000;
  let nextContact = 42_000;

  const limits = () => ({
    'x-ratelimit-total': '200',
    'x-ratelimit-remaining': '199',
    'x-ratelimit-used-currentrequest': '1',
  });
  const send = (reply: FakeReply, status: number, body: unknown) =>
    reply.json(status, body, limits());
  const invalid = (reply: FakeReply, errors: { field: string; message: string; code: string }[]) =>
    send(reply, 400, fd.validation(errors));

  function validateTicket(b: Json): { field: string; message: string; code: string }[] {
    const errors: { field: string; message: string; code: string }[] = [];
    const missing = (field: string) =>
      errors.push({ field, message: 'It should be a/an String', code: 'missing_field' });
    if (typeof b.subject !== 'string' || b.subject === '') missing('subject');
    if (typeof b.description !== 'string' || b.description === '') missing('description');
    if (b.requester_id === undefined && b.email === undefined && b.phone === undefined)
      errors.push({
        field: 'requester_id',
        message:
          'Please fill at least 1 of requester_id, phone, email, twitter_id, facebook_id, unique_external_id fields',
        code: 'missing_field',
      });
    if (b.phone !== undefined && b.email === undefined && typeof b.name !== 'string')
      errors.push({ field: 'name', message: 'It should be a/an String', code: 'missing_field' });
    const oneOf = (field: string, allowed: number[]) => {
      if (b[field] !== undefined && !allowed.includes(b[field] as number))
        errors.push({
          field,
          message: `It should be one of these values: '${allowed.join(',')}'`,
          code: 'invalid_value',
        });
    };
    oneOf('status', STATUSES);
    oneOf('priority', PRIORITIES);
    oneOf('source', SOURCES);
    for (const k of Object.keys((b.custom_fields as Json | undefined) ?? {}))
      if (!fields.has(k))
        errors.push({
          field: k,
          message: 'Unexpected/invalid field in request',
          code: 'invalid_field',
        });
    const due = typeof b.due_by === 'string' ? Date.parse(b.due_by) : undefined;
    const fr = typeof b.fr_due_by === 'string' ? Date.parse(b.fr_due_by) : undefined;
    if (due !== undefined && due <= now())
      errors.push({
        field: 'due_by',
        message: 'Has to be greater than created_at',
        code: 'invalid_value',
      });
    if (due !== undefined && fr !== undefined && fr > due)
      errors.push({
        field: 'fr_due_by',
        message: 'Has to be less than or equal to due_by',
        code: 'invalid_value',
      });
    return errors;
  }

  function createTicket(reply: FakeReply, b: Json) {
    const errors = validateTicket(b);
    if (errors.length > 0) return invalid(reply, errors);
    const who = (b.email as string | undefined) ?? (b.phone as string | undefined) ?? 'id';
    if (!contacts.has(who)) contacts.set(who, nextContact++);
    const at = iso();
    const t: FakeTicket = {
      id: nextTicket++,
      subject: b.subject as string,
      description: b.description as string,
      description_text: text(b.description as string),
      status: (b.status as number | undefined) ?? 2,
      priority: (b.priority as number | undefined) ?? 1,
      source: (b.source as number | undefined) ?? 2,
      requester_id: (b.requester_id as number | undefined) ?? contacts.get(who)!,
      email: (b.email as string | undefined) ?? null,
      phone: (b.phone as string | undefined) ?? null,
      tags: (b.tags as string[] | undefined) ?? [],
      custom_fields: {
        ...Object.fromEntries([...fields].map((f) => [f, null])),
        ...((b.custom_fields as Json | undefined) ?? {}),
      },
      group_id: (b.group_id as number | undefined) ?? null,
      due_by: (b.due_by as string | undefined) ?? null,
      fr_due_by: (b.fr_due_by as string | undefined) ?? null,
      created_at: at,
      updated_at: at,
    };
    tickets.set(t.id, t);
    if (!options.searchLag) indexed.add(t.id);
    send(reply, 201, t);
  }

  /** The subset of Freshdesk's query language the connector uses. */
  function search(reply: FakeReply, query: string | null, page: number) {
    if (query === null || !/^".*"$/.test(query))
      return invalid(reply, [
        { field: 'query', message: "It should be in the 'abc' format", code: 'invalid_value' },
      ]);
    const custom = [...query.matchAll(/(cf_[a-z0-9_]+):'((?:[^'\\]|\\.)*)'/g)].map((m) => ({
      field: m[1]!,
      value: m[2]!.replace(/\\(.)/g, '$1'),
    }));
    const tags = [...query.matchAll(/tag:'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]!);
    const statuses = [...query.matchAll(/status:(\d+)/g)].map((m) => Number(m[1]));
    const all = [...tickets.values()].filter(
      (t) =>
        indexed.has(t.id) &&
        custom.every((c) => t.custom_fields[c.field] === c.value) &&
        tags.every((tag) => t.tags.includes(tag)) &&
        (statuses.length === 0 || statuses.includes(t.status)),
    );
    if (page < 1 || page > 10)
      return invalid(reply, [
        { field: 'page', message: 'It should be between 1 and 10', code: 'invalid_value' },
      ]);
    send(reply, 200, { results: all.slice((page - 1) * 30, page * 30), total: all.length });
  }

  function listTickets(reply: FakeReply, q: URLSearchParams) {
    const email = q.get('email');
    let list = [...tickets.values()];
    if (email !== null) {
      if (!contacts.has(email))
        return invalid(reply, [
          {
            field: 'email',
            message: 'There is no contact matching the given email',
            code: 'invalid_value',
          },
        ]);
      list = list.filter((t) => t.email === email);
    }
    const since = q.get('updated_since');
    if (since !== null) list = list.filter((t) => t.updated_at >= since);
    if (since === null)
      list = list.filter((t) => Date.parse(t.created_at) >= now() - 30 * 86_400_000);
    list.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
    send(reply, 200, list.slice(0, Number(q.get('per_page') ?? '30')));
  }

  const fake = await startFake((req, reply) => {
    const auth = req.headers.authorization ?? '';
    const user = auth.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0]
      : undefined;
    if (user !== options.apiKey)
      return send(reply, 401, {
        code: 'invalid_credentials',
        message: 'You have to be logged in to perform this action.',
      });
    const p = req.path;
    const body = (req.json ?? {}) as Json;
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && p === '/api/v2/agents/me')
      return send(reply, 200, {
        id: 77,
        contact: { name: 'Office Agent', email: 'agent@oakcourt.example' },
      });
    if (p === '/api/v2/tickets' && req.method === 'POST') return createTicket(reply, body);
    if (p === '/api/v2/tickets' && req.method === 'GET') return listTickets(reply, req.query);
    if (p === '/api/v2/search/tickets' && req.method === 'GET')
      return search(reply, req.query.get('query'), Number(req.query.get('page') ?? '1'));
    if ((m = /^\/api\/v2\/tickets\/(\d+)(\/notes|\/conversations)?$/.exec(p))) {
      const t = tickets.get(Number(m[1]));
      if (!t) return send(reply, 404, { code: 'not_found', message: 'Ticket not found' });
      if (!m[2] && req.method === 'GET') return send(reply, 200, t);
      if (!m[2] && req.method === 'PUT') {
        if (body.status !== undefined && !STATUSES.includes(body.status as number))
          return invalid(reply, [
            {
              field: 'status',
              message: `It should be one of these values: '${STATUSES.join(',')}'`,
              code: 'invalid_value',
            },
          ]);
        Object.assign(t, body, { updated_at: iso() });
        return send(reply, 200, t);
      }
      if (m[2] === '/notes' && req.method === 'POST') {
        if (typeof body.body !== 'string' || body.body === '')
          return invalid(reply, [
            { field: 'body', message: 'It should be a/an String', code: 'missing_field' },
          ]);
        const note: FakeNote = {
          id: nextNote++,
          ticket_id: t.id,
          body: body.body,
          body_text: text(body.body),
          private: body.private !== false,
          incoming: false,
          created_at: iso(),
        };
        notes.push(note);
        t.updated_at = iso();
        return send(reply, 201, note);
      }
      if (m[2] === '/conversations' && req.method === 'GET')
        return send(
          reply,
          200,
          notes.filter((n) => n.ticket_id === t.id),
        );
    }
    send(reply, 404, { code: 'not_found', message: `no route ${req.method} ${p}` });
  });

  function automationBody(ticketId: number): string {
    const t = tickets.get(ticketId)!;
    const latest = notes.filter((n) => n.ticket_id === ticketId && n.private).at(-1);
    return JSON.stringify({
      freshdesk_webhook: {
        ticket_id: t.id,
        ticket_cf_arrears_lease_id: t.custom_fields.cf_arrears_lease_id ?? '',
        ticket_status: ['', '', 'Open', 'Pending', 'Resolved', 'Closed'][t.status] ?? 'Open',
        ticket_latest_private_comment: latest?.body ?? '',
      },
    });
  }

  return Object.assign(fake, {
    tickets,
    notes,
    reindex() {
      for (const id of tickets.keys()) indexed.add(id);
    },
    staffNote(ticketId: number, html: string) {
      const note: FakeNote = {
        id: nextNote++,
        ticket_id: ticketId,
        body: html,
        body_text: text(html),
        private: true,
        incoming: false,
        created_at: iso(),
      };
      notes.push(note);
      return note;
    },
    automationBody,
    automation(url: string, secret: string, ticketId: number) {
      return postCallback(url, automationBody(ticketId), {
        'content-type': 'application/json',
        'x-arrears-secret': secret,
        'x-request-id': randomBytes(8).toString('hex'),
      });
    },
  });
}

/**
 * A local Intercom (reference §7; contacts and search as in Intercom-OpenAPI 2.14) for tests
 * and the demo: the endpoints the connector calls, the Bearer check answering
 * `{type: 'error.list', errors: [{code: 'unauthorized', …}]}`, required fields refused with
 * `parameter_not_found`, rate-limit headers on every answer (`failNext(1, 429,
 * {'x-ratelimit-reset': …})` throttles), and signed notifications of a tenant writing in.
 *
 *   GET  /me                                  the admin of the token
 *   GET  /contacts/find_by_external_id/{id}   a user by external_id (404 not_found)
 *   POST /contacts                            create (409 conflict naming the existing id)
 *   GET  /contacts/{id}    PUT /contacts/{id} read, update (custom attributes must exist)
 *   POST /conversations/search                `contact_ids` / `open` / `state` with `=`
 *   POST /conversations/{id}/reply            admin or user reply
 *   POST /messages                            admin-initiated in-app message (opens a conversation)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { postCallback, startFake, type FakeReply, type FakeServer } from '../fake/fake-http.js';
import { BALANCE_ATTRIBUTE, STATUS_ATTRIBUTE } from './map.js';
import { signIntercom } from './webhooks.js';

type Json = Record<string, unknown>;

export interface FakeContact {
  type: 'contact';
  id: string;
  role: string;
  external_id: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
  custom_attributes: Json;
}

export interface FakePart {
  type: 'conversation_part';
  id: string;
  part_type: string;
  body: string;
  created_at: number;
  author: { type: string; id: string; name?: string | null; email?: string | null };
}

export interface FakeConversation {
  type: 'conversation';
  id: string;
  created_at: number;
  updated_at: number;
  open: boolean;
  state: 'open' | 'closed' | 'snoozed';
  source: Omit<FakePart, 'type'> & { type: 'conversation'; delivered_as: string };
  contacts: {
    type: 'contact.list';
    contacts: { type: 'contact'; id: string; external_id: string | null }[];
  };
  conversation_parts: {
    type: 'conversation_part.list';
    conversation_parts: FakePart[];
    total_count: number;
  };
}

export interface IntercomFakeOptions {
  accessToken: string;
  adminId: string;
  /** The app's client_secret notifications are signed with. */
  clientSecret: string;
  /** Contact data attributes that exist (default: the two the write-back uses). */
  dataAttributes?: string[];
  now?: () => number;
}

export interface IntercomFake extends FakeServer {
  contacts: Map<string, FakeContact>;
  conversations: Map<string, FakeConversation>;
  /** Admin-initiated messages, as received. */
  messages: Json[];
  addContact(fields: Partial<FakeContact>): FakeContact;
  /** A conversation the contact started (open unless told). */
  addConversation(contactId: string, text: string, open?: boolean): FakeConversation;
  /** A notification (`notif_…`) of the given topic about `item`. */
  notification(topic: string, item: unknown): Json;
  /** The contact replies in a conversation: the `conversation.user.replied` notification. */
  userReplies(conversationId: string, html: string): Json;
  /** The contact starts a conversation: the `conversation.user.created` notification. */
  userStarts(contactId: string, html: string): Json;
  /** The raw body and headers Intercom would POST for `notification`. */
  signed(notification: unknown): { raw: string; headers: Record<string, string> };
  /** POSTs the notification, signed, to our webhook URL. */
  deliver(url: string, notification: unknown): Promise<{ status: number; text: string }>;
}

const hexId = () => randomBytes(12).toString('hex');
let counter = 1000;
const numericId = () => String(++counter);

export async function startIntercomFake(options: IntercomFakeOptions): Promise<IntercomFake> {
  const now = () => Math.floor((options.now ?? Date.now)() / 1000);
  const attributes = new Set(options.dataAttributes ?? [BALANCE_ATTRIBUTE, STATUS_ATTRIBUTE]);
  const contacts = new Map<string, FakeContact>();
  const conversations = new Map<string, FakeConversation>();
  const messages: Json[] = [];
  const admin = {
    type: 'admin',
    id: options.adminId,
    name: 'Oak Court Office',
    email: 'office@oakcourt.example',
  };

  const limits = () => ({
    'x-ratelimit-limit': '10000',
    'x-ratelimit-remaining': '9999',
    'x-ratelimit-reset': String(now() + 10),
  });
  const send = (reply: FakeReply, status: number, body: unknown) =>
    reply.json(status, body, limits());
  const error = (reply: FakeReply, status: number, code: string, message: string, field?: string) =>
    send(reply, status, {
      type: 'error.list',
      request_id: randomUUID(),
      errors: [{ code, message, ...(field ? { field } : {}) }],
    });
  const missing = (reply: FakeReply, field: string) =>
    error(reply, 400, 'parameter_not_found', `${field} is required`, field);
  const present = (v: unknown) => v !== undefined && v !== null && v !== '';

  function addContact(fields: Partial<FakeContact>): FakeContact {
    const c: FakeContact = {
      type: 'contact',
      id: hexId(),
      role: 'user',
      external_id: null,
      email: null,
      phone: null,
      name: null,
      custom_attributes: {},
      ...fields,
    };
    contacts.set(c.id, c);
    return c;
  }

  const authorOf = (c: FakeContact) => ({ type: c.role, id: c.id, name: c.name, email: c.email });

  function part(partType: string, body: string, author: FakePart['author']): FakePart {
    return {
      type: 'conversation_part',
      id: numericId(),
      part_type: partType,
      body,
      created_at: now(),
      author,
    };
  }

  function openConversation(contact: FakeContact, source: FakePart, deliveredAs: string) {
    const c: FakeConversation = {
      type: 'conversation',
      id: numericId(),
      created_at: now(),
      updated_at: now(),
      open: true,
      state: 'open',
      source: { ...source, type: 'conversation', delivered_as: deliveredAs },
      contacts: {
        type: 'contact.list',
        contacts: [{ type: 'contact', id: contact.id, external_id: contact.external_id }],
      },
      conversation_parts: {
        type: 'conversation_part.list',
        conversation_parts: [],
        total_count: 0,
      },
    };
    conversations.set(c.id, c);
    return c;
  }

  function appendPart(c: FakeConversation, p: FakePart) {
    c.conversation_parts.conversation_parts.push(p);
    c.conversation_parts.total_count++;
    c.updated_at = Math.max(c.updated_at + 1, now());
  }

  function matches(c: FakeConversation, filter: Json): boolean {
    const { field, operator, value } = filter;
    if (operator !== '=') return false;
    if (field === 'contact_ids') return c.contacts.contacts.some((x) => x.id === value);
    if (field === 'open') return c.open === value;
    if (field === 'state') return c.state === value;
    if (field === 'id') return c.id === value;
    return false;
  }

  function search(query: unknown): FakeConversation[] | undefined {
    if (!query || typeof query !== 'object') return undefined;
    const q = query as Json;
    const filters = Array.isArray(q.value) ? (q.value as Json[]) : [q];
    const all = [...conversations.values()];
    return q.operator === 'OR'
      ? all.filter((c) => filters.some((f) => matches(c, f)))
      : all.filter((c) => filters.every((f) => matches(c, f)));
  }

  const fake = await startFake((req, reply) => {
    if (req.headers.authorization !== `Bearer ${options.accessToken}`)
      return error(reply, 401, 'unauthorized', 'Access Token Invalid');
    const body = (req.json && typeof req.json === 'object' ? req.json : {}) as Json;
    const path = req.path;
    let m: RegExpExecArray | null;

    if (req.method === 'GET' && path === '/me')
      return send(reply, 200, {
        ...admin,
        email_verified: true,
        app: { type: 'app', id_code: 'fakeapp' },
      });

    if (req.method === 'GET' && (m = /^\/contacts\/find_by_external_id\/([^/]+)$/.exec(path))) {
      const ext = decodeURIComponent(m[1]!);
      const c = [...contacts.values()].find((x) => x.external_id === ext && x.role === 'user');
      return c ? send(reply, 200, c) : error(reply, 404, 'not_found', 'User Not Found');
    }

    if (req.method === 'POST' && path === '/contacts') {
      if (!present(body.email) && !present(body.external_id) && !present(body.role))
        return missing(reply, 'email');
      const ext = typeof body.external_id === 'string' ? body.external_id : null;
      const same =
        ext !== null ? [...contacts.values()].find((x) => x.external_id === ext) : undefined;
      if (same)
        return error(
          reply,
          409,
          'conflict',
          `A contact matching those details already exists with id=${same.id}`,
        );
      const c = addContact({
        role: typeof body.role === 'string' ? body.role : 'user',
        external_id: ext,
        email: typeof body.email === 'string' ? body.email : null,
        phone: typeof body.phone === 'string' ? body.phone : null,
        name: typeof body.name === 'string' ? body.name : null,
      });
      return send(reply, 200, c);
    }

    if (
      (m = /^\/contacts\/([A-Za-z0-9]+)$/.exec(path)) &&
      (req.method === 'GET' || req.method === 'PUT')
    ) {
      const c = contacts.get(m[1]!);
      if (!c) return error(reply, 404, 'not_found', 'User Not Found');
      if (req.method === 'PUT') {
        const attrs = (body.custom_attributes ?? {}) as Json;
        for (const name of Object.keys(attrs))
          if (!attributes.has(name))
            return error(
              reply,
              400,
              'parameter_invalid',
              `Custom attribute '${name}' does not exist`,
            );
        c.custom_attributes = { ...c.custom_attributes, ...attrs };
        for (const k of ['email', 'phone', 'name'] as const)
          if (typeof body[k] === 'string') c[k] = body[k];
      }
      return send(reply, 200, c);
    }

    if (req.method === 'POST' && path === '/conversations/search') {
      if (!present(body.query)) return missing(reply, 'query');
      const found = search(body.query);
      if (!found) return error(reply, 400, 'parameter_invalid', 'query is not valid');
      return send(reply, 200, {
        type: 'conversation.list',
        pages: { type: 'pages', page: 1, per_page: 20, total_pages: 1 },
        total_count: found.length,
        conversations: found.map(({ conversation_parts: _, ...c }) => c),
      });
    }

    if (req.method === 'POST' && (m = /^\/conversations\/([^/]+)\/reply$/.exec(path))) {
      for (const f of ['message_type', 'type', 'body'])
        if (!present(body[f])) return missing(reply, f);
      if (body.type === 'admin' && !present(body.admin_id)) return missing(reply, 'admin_id');
      const c = conversations.get(m[1]!);
      if (!c) return error(reply, 404, 'not_found', 'Resource Not Found');
      const author =
        body.type === 'admin'
          ? { type: 'admin', id: String(body.admin_id), name: admin.name, email: admin.email }
          : authorOf(contacts.get(c.contacts.contacts[0]!.id)!);
      appendPart(c, part(String(body.message_type), String(body.body), author));
      if (!c.open) Object.assign(c, { open: true, state: 'open' });
      return send(reply, 200, c);
    }

    if (req.method === 'POST' && path === '/messages') {
      for (const f of ['message_type', 'body', 'from', 'to'])
        if (!present(body[f])) return missing(reply, f);
      if (body.message_type === 'email')
        for (const f of ['subject', 'template']) if (!present(body[f])) return missing(reply, f);
      const to = body.to as Json;
      const contact = contacts.get(String(to.id));
      if (!contact) return error(reply, 404, 'not_found', 'User Not Found');
      messages.push(body);
      const source = part('comment', String(body.body), { ...admin });
      const c =
        body.create_conversation_without_contact_reply === true
          ? openConversation(contact, source, 'admin_initiated')
          : undefined;
      return send(reply, 200, {
        type: 'admin_message',
        id: numericId(),
        created_at: now(),
        subject: body.subject ?? '',
        body: body.body,
        message_type: body.message_type === 'in_app' ? 'inapp' : body.message_type,
        conversation_id: c?.id ?? null,
      });
    }

    return error(reply, 404, 'not_found', 'Resource Not Found');
  });

  function notification(topic: string, item: unknown): Json {
    return {
      type: 'notification_event',
      app_id: 'fakeapp',
      id: `notif_${randomUUID()}`,
      topic,
      delivery_status: 'pending',
      delivery_attempts: 1,
      delivered_at: 0,
      first_sent_at: now(),
      created_at: now(),
      data: { type: 'notification_event_data', item },
    };
  }

  function signed(n: unknown) {
    const raw = JSON.stringify(n);
    return {
      raw,
      headers: {
        'content-type': 'application/json',
        'x-hub-signature': signIntercom(options.clientSecret, raw),
      },
    };
  }

  return Object.assign(fake, {
    contacts,
    conversations,
    messages,
    addContact,
    addConversation(contactId: string, text: string, open = true) {
      const contact = contacts.get(contactId);
      if (!contact) throw new Error(`no fake contact ${contactId}`);
      const c = openConversation(
        contact,
        part('comment', text, authorOf(contact)),
        'customer_initiated',
      );
      if (!open) Object.assign(c, { open: false, state: 'closed' });
      return c;
    },
    notification,
    userReplies(conversationId: string, html: string) {
      const c = conversations.get(conversationId);
      if (!c) throw new Error(`no fake conversation ${conversationId}`);
      const contact = contacts.get(c.contacts.contacts[0]!.id)!;
      appendPart(c, part('comment', html, authorOf(contact)));
      return notification('conversation.user.replied', structuredClone(c));
    },
    userStarts(contactId: string, html: string) {
      const contact = contacts.get(contactId);
      if (!contact) throw new Error(`no fake contact ${contactId}`);
      const c = openConversation(
        contact,
        part('comment', html, authorOf(contact)),
        'customer_initiated',
      );
      return notification('conversation.user.created', structuredClone(c));
    },
    signed,
    deliver(url: string, n: unknown) {
      const s = signed(n);
      return postCallback(url, s.raw, s.headers);
    },
  });
}

import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANA,
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import type { OutboxItem } from '../../app/ports/outbox.js';
import { intercomConnector } from './index.js';
import { startIntercomFake, type IntercomFake } from './fake-server.js';

const TOKEN = 'dG9rOmZha2Utd29ya3NwYWNl';
const ADMIN = '991267459';
const SECRET = 'intercom-client-secret';
const BODY = 'Hola Ana, your rent of $1,200.00 is past due. Reply STOP to opt out.';
const BODY_HTML = `<p>${BODY}</p>`;

let fake: IntercomFake;
beforeEach(async () => {
  fake = await startIntercomFake({ accessToken: TOKEN, adminId: ADMIN, clientSecret: SECRET });
});
afterEach(() => fake.close());

function harness(over: Record<string, string | undefined> = {}) {
  return connectorHarness(intercomConnector, {
    ARREARS_INTERCOM_ACCESS_TOKEN: TOKEN,
    ARREARS_INTERCOM_ADMIN_ID: ADMIN,
    ARREARS_INTERCOM_CLIENT_SECRET: SECRET,
    ARREARS_INTERCOM_BASE_URL: fake.url,
    ...over,
  });
}

const chat = (over: Partial<OutboxItem> = {}) =>
  outboxItem({
    key: 'L1:1:late-notice:chat',
    action: 'chat',
    channel: 'chat',
    method: 'chat',
    ...over,
  });

const writeback = (fields: Record<string, string> = { status: 'delinquent' }) =>
  outboxItem({
    key: 'L1:1:late-notice:crm',
    action: 'crm',
    type: 'writeback',
    channel: null,
    payload: { date: '2026-10-06', target: 'intercom', fields, pastDueCents: 120000 },
  });

const anaInIntercom = () =>
  fake.addContact({ external_id: 'T1', email: ANA.email, phone: ANA.phone, name: ANA.name });

const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);
const intercomError = (code: string, message: string) => ({
  type: 'error.list',
  request_id: 'req-1',
  errors: [{ code, message }],
});

describe('intercom connector: message:chat', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(intercomConnector)).toEqual([]);
  });

  it('a new tenant: created as a user by external_id, then an in-app message from the admin', async () => {
    const outcome = await harness().send('message:chat', chat());
    const [ana] = fake.contacts.values();
    expect(outcome).toEqual({ tag: 'accepted', externalId: expect.stringMatching(/^\d+$/) });
    expect(calls()).toEqual([
      'GET /contacts/find_by_external_id/T1',
      'POST /contacts',
      'POST /conversations/search',
      'POST /messages',
    ]);
    for (const r of fake.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers['intercom-version']).toBe('2.14');
    }
    expect(fake.requests[1]!.json).toEqual({
      role: 'user',
      external_id: 'T1',
      name: 'Ana Ruiz',
      email: 'ana@example.com',
      phone: '+14155550101',
    });
    expect(fake.requests[2]!.json).toEqual({
      query: {
        operator: 'AND',
        value: [
          { field: 'contact_ids', operator: '=', value: ana!.id },
          { field: 'open', operator: '=', value: true },
        ],
      },
      pagination: { per_page: 20 },
    });
    expect(fake.requests[3]!.headers['content-type']).toBe('application/json');
    expect(fake.requests[3]!.json).toEqual({
      message_type: 'in_app',
      body: BODY_HTML,
      from: { type: 'admin', id: 991267459 },
      to: { type: 'user', id: ana!.id },
      create_conversation_without_contact_reply: true,
    });
  });

  it("replies as the admin in the tenant's latest open conversation", async () => {
    const ana = anaInIntercom();
    fake.addConversation(ana.id, '<p>old</p>', false);
    fake.addConversation(ana.id, '<p>earlier question</p>');
    const latest = fake.addConversation(ana.id, '<p>latest question</p>');
    latest.updated_at += 100;
    const outcome = await harness().send(
      'message:chat',
      chat({ payload: { body: 'Line 1\nLine <2> & "3"\n\nSecond paragraph' } }),
    );
    const part = latest.conversation_parts.conversation_parts.at(-1)!;
    expect(outcome).toEqual({ tag: 'accepted', externalId: `${latest.id}:${part.id}` });
    expect(calls()).toEqual([
      'GET /contacts/find_by_external_id/T1',
      'POST /conversations/search',
      `POST /conversations/${latest.id}/reply`,
    ]);
    expect(fake.requests[2]!.json).toEqual({
      message_type: 'comment',
      type: 'admin',
      admin_id: ADMIN,
      body: '<p>Line 1<br>Line &lt;2&gt; &amp; &quot;3&quot;</p><p>Second paragraph</p>',
    });
    expect(part.author).toMatchObject({ type: 'admin', id: ADMIN });
  });

  it('a tenant already in Intercom as a lead: the 409 names the contact, which is messaged', async () => {
    const lead = fake.addContact({ role: 'lead', external_id: 'T1', email: ANA.email });
    const outcome = await harness().send('message:chat', chat());
    expect(outcome.tag).toBe('accepted');
    expect(fake.messages[0]!.to).toEqual({ type: 'user', id: lead.id });
    expect(fake.contacts.size).toBe(1);
  });

  it("a missing required field is refused Intercom's way and fails the item with its code", async () => {
    const direct = await fetch(`${fake.url}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        message_type: 'in_app',
        from: { type: 'admin', id: 991267459 },
        to: { type: 'user', id: 'x' },
      }),
    });
    expect(direct.status).toBe(400);
    expect(await direct.json()).toEqual({
      type: 'error.list',
      request_id: expect.any(String),
      errors: [{ code: 'parameter_not_found', message: 'body is required', field: 'body' }],
    });

    anaInIntercom();
    const outcome = await harness().send('message:chat', chat({ payload: { body: '' } }));
    expect(outcome).toEqual({
      tag: 'rejected',
      code: 'parameter_not_found',
      reason: 'body is required',
    });
  });

  it('bad credentials: Intercom answers 401 error.list; the item waits for the operator', async () => {
    const direct = await fetch(`${fake.url}/me`, { headers: { authorization: 'Bearer nope' } });
    expect(direct.status).toBe(401);
    expect(await direct.json()).toMatchObject({
      type: 'error.list',
      errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }],
    });
    const outcome = await harness({ ARREARS_INTERCOM_ACCESS_TOKEN: 'nope' }).send(
      'message:chat',
      chat(),
    );
    expect(outcome).toEqual({
      tag: 'retryable',
      reason: 'credentials refused: Access Token Invalid',
    });
    expect(fake.messages).toHaveLength(0);
  });

  it('a 429 is retried, then the message goes once', async () => {
    anaInIntercom();
    fake.fault(1, {
      status: 429,
      path: /^\/messages$/,
      headers: { 'retry-after': '0' },
      body: intercomError('rate_limit_exceeded', 'Exceeded rate limit'),
    });
    expect((await harness().send('message:chat', chat())).tag).toBe('accepted');
    expect(calls().filter((c) => c === 'POST /messages')).toHaveLength(2);
    expect(fake.messages).toHaveLength(1);
  });

  it('a 429 that lasts becomes retry_after at X-RateLimit-Reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 60;
    fake.failNext(
      4,
      429,
      { 'x-ratelimit-reset': String(reset) },
      intercomError('rate_limit_exceeded', 'Exceeded rate limit'),
    );
    const outcome = await harness().send('message:chat', chat());
    expect(outcome).toEqual({
      tag: 'retry_after',
      at: new Date(reset * 1000).toISOString(),
      reason: 'rate_limit_exceeded Exceeded rate limit',
    });
    expect(fake.messages).toHaveLength(0);
  });

  it('a 5xx during the lookups is retried, then the message goes once', async () => {
    anaInIntercom();
    fake.fault(2, { status: 503, path: /find_by_external_id/ });
    expect((await harness().send('message:chat', chat())).tag).toBe('accepted');
    expect(fake.messages).toHaveLength(1);
  });

  it('a 5xx on the message itself is unknown, never re-sent blindly', async () => {
    anaInIntercom();
    fake.fault(1, { status: 502, path: /^\/messages$/ });
    expect((await harness().send('message:chat', chat())).tag).toBe('unknown');
    expect(calls().filter((c) => c === 'POST /messages')).toHaveLength(1);
  });

  it('an item naming no tenant is rejected without calling Intercom', async () => {
    expect(await harness().send('message:chat', chat({ contactId: null }))).toMatchObject({
      tag: 'rejected',
      code: 'no_contact',
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('intercom connector: writeback:intercom', () => {
  it('keeps the past-due balance and status in custom attributes on the contact', async () => {
    const ana = anaInIntercom();
    const outcome = await harness().send('writeback:intercom', writeback());
    expect(outcome).toEqual({ tag: 'accepted', externalId: ana.id });
    expect(calls()).toEqual(['GET /contacts/find_by_external_id/T1', `PUT /contacts/${ana.id}`]);
    expect(fake.requests[1]!.json).toEqual({
      custom_attributes: { arrears_balance_cents: 120000, arrears_status: 'delinquent' },
    });
    expect(ana.custom_attributes).toEqual({
      arrears_balance_cents: 120000,
      arrears_status: 'delinquent',
    });
    // Without a status field the stage is the status.
    await harness().send('writeback:intercom', writeback({}));
    expect(ana.custom_attributes.arrears_status).toBe('late-notice');
  });

  it('fails with Intercom’s code when the data attributes were not created', async () => {
    await fake.close();
    fake = await startIntercomFake({
      accessToken: TOKEN,
      adminId: ADMIN,
      clientSecret: SECRET,
      dataAttributes: [],
    });
    anaInIntercom();
    expect(await harness().send('writeback:intercom', writeback())).toEqual({
      tag: 'rejected',
      code: 'parameter_invalid',
      reason: "Custom attribute 'arrears_balance_cents' does not exist",
    });
  });
});

describe('intercom connector: /webhooks/intercom', () => {
  async function post(raw: string, headers: Record<string, string>) {
    const app = await h.webhookApp();
    try {
      return await app.inject({ method: 'POST', url: '/webhooks/intercom', payload: raw, headers });
    } finally {
      await app.close();
    }
  }
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('a signed conversation.user.replied becomes a chat reply from the contact’s e-mail', async () => {
    const ana = anaInIntercom();
    const conversation = fake.addConversation(ana.id, '<p>hello</p>');
    const n = fake.userReplies(
      conversation.id,
      '<p>I&#39;ll pay <b>Friday</b> &amp; thanks</p><p>Ana</p>',
    );
    const raw = JSON.stringify(n);
    // The documented signature, computed here independently of the connector.
    const signature = `sha1=${createHmac('sha1', SECRET).update(raw).digest('hex')}`;
    const res = await post(raw, {
      'content-type': 'application/json',
      'x-hub-signature': signature,
    });
    expect(res.statusCode).toBe(200);
    const part = conversation.conversation_parts.conversation_parts.at(-1)!;
    expect(res.json()).toMatchObject({
      received: true,
      duplicate: false,
      eventId: n.id,
      topic: 'conversation.user.replied',
      replyId: 'r1',
    });
    expect(h.inbound.replies).toEqual([
      {
        channel: 'chat',
        from: 'ana@example.com',
        text: "I'll pay Friday & thanks\nAna",
        providerMessageId: part.id,
        receivedAt: new Date(part.created_at * 1000).toISOString(),
      },
    ]);
  });

  it('conversation.user.created: the opening message; a contact without e-mail is reached by phone', async () => {
    const ana = fake.addContact({ external_id: 'T1', phone: ANA.phone });
    const n = fake.userStarts(ana.id, '<p>Can I pay half now?</p>');
    const s = fake.signed(n);
    expect((await post(s.raw, s.headers)).statusCode).toBe(200);
    const [conversation] = [...fake.conversations.values()];
    expect(h.inbound.replies).toEqual([
      expect.objectContaining({
        channel: 'chat',
        from: '+14155550101',
        text: 'Can I pay half now?',
        providerMessageId: conversation!.source.id,
      }),
    ]);
    expect(calls()).toContain(`GET /contacts/${ana.id}`);
  });

  it('other topics (ping, admin replies) are acknowledged and ignored', async () => {
    for (const topic of ['ping', 'conversation.admin.replied', 'contact.user.created']) {
      const s = fake.signed(fake.notification(topic, { type: 'ping', message: 'hi' }));
      const res = await post(s.raw, s.headers);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ received: true, topic, ignored: true });
    }
    expect(h.inbound.replies).toEqual([]);
  });

  it('a forged, a tampered or an unsigned notification is refused with 401', async () => {
    const ana = anaInIntercom();
    const n = fake.userStarts(ana.id, '<p>hi</p>');
    const s = fake.signed(n);
    const forged = `sha1=${createHmac('sha1', 'another-secret').update(s.raw).digest('hex')}`;
    expect((await post(s.raw, { ...s.headers, 'x-hub-signature': forged })).statusCode).toBe(401);
    const tampered = s.raw.replace('hi', 'ho');
    expect((await post(tampered, s.headers)).statusCode).toBe(401);
    const { 'x-hub-signature': _, ...unsigned } = s.headers;
    expect((await post(s.raw, unsigned)).statusCode).toBe(401);
    expect(h.inbound.replies).toEqual([]);
  });

  it('the same notification delivered twice is handled once', async () => {
    const ana = anaInIntercom();
    const s = fake.signed(fake.userStarts(ana.id, '<p>hi</p>'));
    const app = await h.webhookApp();
    try {
      const first = await app.inject({
        method: 'POST',
        url: '/webhooks/intercom',
        payload: s.raw,
        headers: s.headers,
      });
      const second = await app.inject({
        method: 'POST',
        url: '/webhooks/intercom',
        payload: s.raw,
        headers: s.headers,
      });
      expect(first.json()).toMatchObject({ duplicate: false });
      expect(second.json()).toMatchObject({ duplicate: true });
    } finally {
      await app.close();
    }
    expect(h.inbound.replies).toHaveLength(1);
  });

  it('with no client secret configured every notification is refused (503)', async () => {
    h = harness({ ARREARS_INTERCOM_CLIENT_SECRET: undefined });
    const ana = anaInIntercom();
    const s = fake.signed(fake.userStarts(ana.id, '<p>hi</p>'));
    expect((await post(s.raw, s.headers)).statusCode).toBe(503);
    expect(h.inbound.replies).toEqual([]);
  });
});

describe('intercom connector: connectors test', () => {
  it('GET /me answers for good credentials, and not for bad ones', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    expect(calls()).toEqual(['GET /me']);
    expect(
      await harness({ ARREARS_INTERCOM_ACCESS_TOKEN: 'nope' }).instance.verify(),
    ).toMatchObject({
      ok: false,
      detail: expect.stringContaining('401'),
    });
  });
});

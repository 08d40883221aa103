import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorHarness, manifestProblems } from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import { publicEventOf } from '../../app/publish-events.js';
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import type { ConnectorModule } from '../contract.js';
import type { ConnectorLog } from '../context.js';
import { freshdeskConnector } from './index.js';
import { fd, startFreshdeskFake, type FreshdeskFake } from './fake-server.js';

const KEY = 'fdApiKeyForTests';
const SECRET = 'fd-automation-secret';
const AT = '2026-10-08T15:00:00.000Z'; // a Thursday
const NOW = Date.parse('2026-10-08T15:00:05Z');

let fake: FreshdeskFake;
beforeEach(async () => {
  fake = await startFreshdeskFake({ apiKey: KEY, now: () => NOW });
});
afterEach(() => fake.close());

function harness(over: Record<string, string | undefined> = {}) {
  return connectorHarness(
    freshdeskConnector,
    {
      ARREARS_FRESHDESK_DOMAIN: 'oakcourt',
      ARREARS_FRESHDESK_API_KEY: KEY,
      ARREARS_FRESHDESK_WEBHOOK_SECRET: SECRET,
      ARREARS_FRESHDESK_BASE_URL: fake.url,
      ...over,
    },
    { clock: fixedClock(NOW) },
  );
}

const CONTEXT: CaseContext = {
  leaseId: 'L1',
  unit: '12B',
  tenant: { id: 'T1', name: 'Ana Ruiz', email: 'ana@example.com', phone: '+14155550101' },
  property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
  balanceCents: 120000,
};

/** A case event as write-back hands it over: the public event of an audit entry. */
function caseEvent(
  seq: number,
  type: string,
  data: Record<string, unknown>,
  context: CaseContext | null = CONTEXT,
  subject = 'lease:L1',
): CaseEvent {
  const event = publicEventOf('default', {
    seq,
    at: AT,
    actor: 'system:scan',
    type,
    subject,
    data,
  });
  return { event: event!, context };
}

const dispute = (seq = 7, context: CaseContext | null = CONTEXT) =>
  caseEvent(
    seq,
    'reply.received',
    {
      replyId: 'rp1',
      channel: 'sms',
      intent: 'dispute',
      status: 'matched',
      leaseId: 'L1',
      episode: 1,
    },
    context,
  );
const sent = (seq = 9) =>
  caseEvent(
    seq,
    'outbox.sent',
    {
      key: 'L1:1:late-notice:sms',
      leaseId: 'L1',
      provider: 'twilio',
      attempts: 1,
    },
    CONTEXT,
    'outbox:L1:1:late-notice:sms',
  );
const closed = () =>
  caseEvent(12, 'case.closed', { episode: 1, closed: '2026-10-20', outcome: 'paid' });

const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);
const writes = () =>
  fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

describe('freshdesk connector: tickets from case events', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(freshdeskConnector)).toEqual([]);
  });

  it('a dispute opens a ticket with the documented fields, due in business days', async () => {
    const h = harness();
    expect(await h.instance.sink!.apply(dispute())).toEqual({ ok: true });
    expect(calls()).toEqual([
      'GET /api/v2/search/tickets',
      'GET /api/v2/tickets',
      'GET /api/v2/search/tickets',
      'POST /api/v2/tickets',
    ]);
    for (const r of fake.requests)
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`${KEY}:X`).toString('base64')}`);
    expect(fake.requests[0]!.query.get('query')).toBe(`"tag:'arrears' AND (status:2 OR status:3)"`);
    expect(Object.fromEntries(fake.requests[1]!.query)).toEqual({
      email: 'ana@example.com',
      updated_since: '2025-10-08T15:00:05Z',
      order_by: 'updated_at',
      order_type: 'desc',
      per_page: '100',
    });
    expect(fake.requests[2]!.query.get('query')).toBe(
      `"cf_arrears_lease_id:'L1' AND (status:2 OR status:3)"`,
    );
    const create = fake.requests[3]!;
    expect(create.headers['content-type']).toBe('application/json');
    expect(create.json).toEqual({
      subject: 'Dispute: lease L1 - unit 12B, Oak Court',
      description:
        '<p>Dispute raised on lease L1 (unit 12B, Oak Court).</p><p>Tenant: Ana Ruiz (T1)</p>' +
        '<p>Balance: $1,200.00</p><p>Received by sms.</p><p>Case episode 1; Arrears event evt_default_7.</p>',
      email: 'ana@example.com',
      name: 'Ana Ruiz',
      status: 2,
      priority: 3,
      source: 2,
      tags: ['arrears', 'arrears-dispute'],
      custom_fields: { cf_arrears_lease_id: 'L1' },
      fr_due_by: '2026-10-09T15:00:00Z',
      due_by: '2026-10-15T15:00:00Z',
    });
    expect(fake.tickets.size).toBe(1);
  });

  it('a replayed dispute opens no second ticket, even after a restart and within the search lag', async () => {
    await fake.close();
    fake = await startFreshdeskFake({ apiKey: KEY, now: () => NOW, searchLag: true });
    expect(await harness().instance.sink!.apply(dispute())).toEqual({ ok: true });
    const h = harness();
    expect(await h.instance.sink!.apply(dispute())).toEqual({ ok: true });
    expect(await h.instance.sink!.apply(dispute())).toEqual({ ok: true });
    expect(fake.tickets.size).toBe(1);
    // The description names the event: no note for it either.
    expect(fake.notes).toEqual([]);
  });

  it('later events of the lease become private notes, once each; case.closed resolves the ticket', async () => {
    const h = harness();
    await h.instance.sink!.apply(dispute());
    const [ticket] = fake.tickets.values();
    fake.requests.length = 0;
    expect(await h.instance.sink!.apply(sent())).toEqual({ ok: true });
    expect(writes()).toEqual([`POST /api/v2/tickets/${ticket!.id}/notes`]);
    expect(fake.requests.at(-1)!.json).toEqual({
      body:
        '<p>[Arrears] Sent: late-notice / sms via twilio. Balance $1,200.00.</p>' +
        '<p>event evt_default_9 at 2026-10-08T15:00:00.000Z</p>',
      private: true,
    });
    // A replay, also by a restarted process, adds nothing.
    await h.instance.sink!.apply(sent());
    fake.reindex();
    await harness().instance.sink!.apply(sent());
    expect(fake.notes).toHaveLength(1);

    expect(await h.instance.sink!.apply(closed())).toEqual({ ok: true });
    expect(fake.notes.at(-1)!.body).toContain('[Arrears] Case closed on 2026-10-20: paid.');
    expect(fake.requests.at(-1)!.json).toEqual({ status: 4 });
    expect(ticket!.status).toBe(4);
    fake.requests.length = 0;
    expect(await h.instance.sink!.apply(closed())).toEqual({ ok: true });
    expect(writes()).toEqual([]);
  });

  it('events of a lease without an open ticket write nothing (the open tickets are read once)', async () => {
    const h = harness();
    await h.instance.sink!.apply(sent());
    await h.instance.sink!.apply(closed());
    expect(calls()).toEqual(['GET /api/v2/search/tickets']);
    expect(fake.tickets.size).toBe(0);
  });

  it('a tenant with only a phone is the requester by phone and name; with neither, the office', async () => {
    const phoneOnly = { ...CONTEXT, tenant: { ...CONTEXT.tenant!, email: null } };
    await harness().instance.sink!.apply(dispute(7, phoneOnly));
    expect(fake.requests.at(-1)!.json).toMatchObject({ phone: '+14155550101', name: 'Ana Ruiz' });
    expect(fake.requests.at(-1)!.json).not.toHaveProperty('email');

    const nobody = {
      ...CONTEXT,
      leaseId: 'L2',
      tenant: { ...CONTEXT.tenant!, email: null, phone: null },
    };
    const e = caseEvent(
      8,
      'reply.received',
      { intent: 'dispute', leaseId: 'L2', episode: 1 },
      nobody,
      'lease:L2',
    );
    expect(await harness().instance.sink!.apply(e)).toMatchObject({ ok: false, retryable: false });
    await harness({
      ARREARS_FRESHDESK_REQUESTER_EMAIL: 'office@oakcourt.example',
    }).instance.sink!.apply(e);
    expect(fake.requests.at(-1)!.json).toMatchObject({ email: 'office@oakcourt.example' });
  });

  it("a missing required field is refused Freshdesk's way; a missing custom field is not retried", async () => {
    const direct = await fetch(`${fake.url}/api/v2/tickets`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${KEY}:X`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ description: '<p>x</p>', status: 2, priority: 1 }),
    });
    expect(direct.status).toBe(400);
    expect(await direct.json()).toEqual(
      fd.validation([
        { field: 'subject', message: 'It should be a/an String', code: 'missing_field' },
        {
          field: 'requester_id',
          message:
            'Please fill at least 1 of requester_id, phone, email, twitter_id, facebook_id, unique_external_id fields',
          code: 'missing_field',
        },
      ]),
    );

    await fake.close();
    fake = await startFreshdeskFake({ apiKey: KEY, now: () => NOW, customFields: [] });
    expect(await harness().instance.sink!.apply(dispute())).toEqual({
      ok: false,
      retryable: false,
      reason:
        'create the ticket: HTTP 400 invalid_field Validation failed: cf_arrears_lease_id: Unexpected/invalid field in request',
    });
  });

  it('bad credentials: 401 invalid_credentials holds the cursor', async () => {
    const outcome = await harness({ ARREARS_FRESHDESK_API_KEY: 'nope' }).instance.sink!.apply(
      dispute(),
    );
    expect(outcome).toEqual({
      ok: false,
      retryable: true,
      reason:
        'search the open Arrears tickets: HTTP 401 invalid_credentials You have to be logged in to perform this action.',
    });
  });

  it('a 429 is retried after Retry-After; a lasting one holds the cursor with its wait', async () => {
    fake.failNext(1, 429, { 'retry-after': '0' });
    expect(await harness().instance.sink!.apply(dispute())).toEqual({ ok: true });
    expect(fake.tickets.size).toBe(1);

    fake.failNext(4, 429, { 'retry-after': '120' });
    expect(await harness().instance.sink!.apply(sent())).toMatchObject({
      ok: false,
      retryable: true,
      retryAfterMs: 120_000,
    });
  });

  it('a 5xx on a lookup is retried; a 5xx on the create holds the cursor and the retry creates once', async () => {
    // A tenant reached by phone: the lookups are the two searches, then the create.
    const phoneOnly = { ...CONTEXT, tenant: { ...CONTEXT.tenant!, email: null } };
    fake.fault(2, { status: 503, path: /^\/api\/v2\/search\/tickets$/ });
    fake.fault(1, { status: 502, path: /^\/api\/v2\/tickets$/ });
    const h = harness();
    expect(await h.instance.sink!.apply(dispute(7, phoneOnly))).toMatchObject({
      ok: false,
      retryable: true,
      reason: expect.stringContaining('create the ticket: HTTP 502'),
    });
    expect(calls()).toEqual([
      'GET /api/v2/search/tickets',
      'GET /api/v2/search/tickets',
      'GET /api/v2/search/tickets',
      'GET /api/v2/search/tickets',
      'POST /api/v2/tickets',
    ]);
    expect(fake.tickets.size).toBe(0);
    expect(await h.instance.sink!.apply(dispute(7, phoneOnly))).toEqual({ ok: true });
    expect(fake.tickets.size).toBe(1);
  });
});

describe('freshdesk connector: /webhooks/freshdesk (automation rule)', () => {
  let h: ReturnType<typeof harness>;
  const logged: { fields: Record<string, unknown>; message: string }[] = [];
  beforeEach(async () => {
    logged.length = 0;
    h = harness();
    const log: ConnectorLog = {
      info: (fields, message) => logged.push({ fields, message }),
      warn: (fields, message) => logged.push({ fields, message }),
    };
    h.ctx.log = log;
    await h.instance.sink!.apply(dispute());
    logged.length = 0;
  });

  async function post(raw: string, headers: Record<string, string>, times = 1) {
    const app = await h.webhookApp();
    try {
      const out = [];
      for (let i = 0; i < times; i++)
        out.push(
          await app.inject({ method: 'POST', url: '/webhooks/freshdesk', payload: raw, headers }),
        );
      return out;
    } finally {
      await app.close();
    }
  }
  const ticketId = () => [...fake.tickets.keys()][0]!;

  it('a staff note sent with the shared secret is logged against the lease, once', async () => {
    fake.staffNote(
      ticketId(),
      '<div>Called Ana &amp; agreed to check the <b>Sept</b> receipt.</div>',
    );
    const raw = fake.automationBody(ticketId());
    const headers = { 'content-type': 'application/json', 'x-arrears-secret': SECRET };
    const [first, second] = await post(raw, headers, 2);
    expect(first!.statusCode).toBe(200);
    expect(first!.json()).toMatchObject({
      received: true,
      duplicate: false,
      leaseId: 'L1',
      ticketId: String(ticketId()),
      logged: true,
    });
    expect(second!.json()).toMatchObject({ duplicate: true });
    expect(logged).toEqual([
      {
        message: 'staff note on the lease’s Freshdesk ticket',
        fields: expect.objectContaining({
          leaseId: 'L1',
          ticketId: String(ticketId()),
          excerpt: 'Called Ana & agreed to check the Sept receipt.',
        }),
      },
    ]);
  });

  it('with the proposed audit port, the note is recorded as helpdesk.note without its text', async () => {
    const audited: { type: string; subject: string; data: Record<string, unknown> }[] = [];
    const module: ConnectorModule = {
      manifest: freshdeskConnector.manifest,
      create: (ctx) =>
        freshdeskConnector.create(
          Object.assign(ctx, {
            audit: (entry: (typeof audited)[number]) => {
              audited.push(entry);
              return Promise.resolve();
            },
          }),
        ),
    };
    h = connectorHarness(
      module,
      {
        ARREARS_FRESHDESK_DOMAIN: 'oakcourt',
        ARREARS_FRESHDESK_API_KEY: KEY,
        ARREARS_FRESHDESK_WEBHOOK_SECRET: SECRET,
        ARREARS_FRESHDESK_BASE_URL: fake.url,
      },
      { clock: fixedClock(NOW) },
    );
    fake.staffNote(ticketId(), '<p>Tenant sent the receipt.</p>');
    const [res] = await post(fake.automationBody(ticketId()), {
      'content-type': 'application/json',
      'x-arrears-secret': SECRET,
    });
    expect(res!.json()).toMatchObject({ logged: true, audited: true });
    expect(audited).toEqual([
      {
        type: 'helpdesk.note',
        subject: 'lease:L1',
        data: {
          provider: 'freshdesk',
          ticketId: String(ticketId()),
          ticketStatus: 'Open',
          noteChars: 24,
          noteSha256: createHash('sha256').update('Tenant sent the receipt.').digest('hex'),
        },
      },
    ]);
  });

  it("Arrears' own notes are not echoed back", async () => {
    await h.instance.sink!.apply(sent());
    const [res] = await post(fake.automationBody(ticketId()), {
      'content-type': 'application/json',
      'x-arrears-secret': SECRET,
    });
    expect(res!.json()).toMatchObject({ ignored: true, why: 'written by Arrears' });
    expect(logged).toEqual([]);
  });

  it('a wrong or missing secret header is refused with 401', async () => {
    fake.staffNote(ticketId(), '<p>hi</p>');
    const raw = fake.automationBody(ticketId());
    const [wrong] = await post(raw, {
      'content-type': 'application/json',
      'x-arrears-secret': 'x',
    });
    const [missing] = await post(raw, { 'content-type': 'application/json' });
    expect([wrong!.statusCode, missing!.statusCode]).toEqual([401, 401]);
    expect(logged).toEqual([]);
  });

  it('with no webhook secret configured every call is refused (503)', async () => {
    h = harness({ ARREARS_FRESHDESK_WEBHOOK_SECRET: undefined });
    fake.staffNote(ticketId(), '<p>hi</p>');
    const [res] = await post(fake.automationBody(ticketId()), {
      'content-type': 'application/json',
      'x-arrears-secret': SECRET,
    });
    expect(res!.statusCode).toBe(503);
  });

  it('the fake posts the rule’s call over HTTP with the header as configured', async () => {
    fake.staffNote(ticketId(), '<p>hi</p>');
    const app = await h.webhookApp();
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const res = await fake.automation(`${url}/webhooks/freshdesk`, SECRET, ticketId());
      expect(res.status).toBe(200);
    } finally {
      await app.close();
    }
    expect(logged).toHaveLength(1);
  });
});

describe('freshdesk connector: connectors test', () => {
  it('GET /api/v2/agents/me answers for a good key, and not for a bad one', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    expect(await harness({ ARREARS_FRESHDESK_API_KEY: 'nope' }).instance.verify()).toMatchObject({
      ok: false,
      detail: expect.stringContaining('401'),
    });
  });

  it('a DOMAIN that is not a subdomain is refused naming the variable', () => {
    expect(() =>
      harness({ ARREARS_FRESHDESK_BASE_URL: undefined, ARREARS_FRESHDESK_DOMAIN: 'bad domain' }),
    ).toThrow(/ARREARS_FRESHDESK_DOMAIN/);
  });
});

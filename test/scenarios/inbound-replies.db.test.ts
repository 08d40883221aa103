/**
 * The inbound half of communications, end to end on SQLite and PostgreSQL: signed sandbox
 * webhooks through the real HTTP app (Fastify inject), the real stores, scans and dispatch.
 *
 * Calendar (America/Los_Angeles): Oct 1 rent due for L1 (Ana, Spanish), L2 (Ben) and L3
 * (Cy); Oct 2 the cases open; Oct 4 the reminder (SMS + e-mail) is due; Oct 6 the second
 * reminder. Tenants text back in between.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { approveActions } from '../../src/app/approve-action.js';
import { dispatchOutbox } from '../../src/app/dispatch-outbox.js';
import { importJsonPortfolio } from '../../src/app/import-portfolio.js';
import type { Principal } from '../../src/app/ports/auth.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import { createWebhookRegistry } from '../../src/app/ports/webhooks.js';
import { makeRecheck } from '../../src/app/recheck-item.js';
import { scanPortfolio } from '../../src/app/scan-portfolio.js';
import { signSandboxWebhook } from '../../src/connectors/sandbox/webhooks.js';
import { parsePolicy } from '../../src/domain/policy/read.js';
import { localToEpoch } from '../../src/domain/time.js';
import { buildApp } from '../../src/http/app.js';
import { API_V1_ROUTES } from '../../src/http/routes/v1/index.js';
import { provideRepliesApi } from '../../src/http/routes/v1/replies.js';
import { fakeAuth, fakeDeps } from '../../src/http/testing.js';
import { inboundFor, storesFor } from '../../src/main.js';
import { defaultSenders } from '../../src/outbox/senders.js';
import type { Db } from '../../src/storage/database.js';
import { readChain } from '../../src/storage/repos/audit-repo.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../../src/storage/repos/outbox-repo.js';
import { createUsersRepo } from '../../src/storage/repos/users-repo.js';
import { createWebhookEventsRepo } from '../../src/storage/repos/webhook-events-repo.js';
import { sandboxWebhookConnectors } from '../../src/connectors/sandbox/webhooks.js';
import { forEachDialect } from '../support/databases.js';

const TZ = 'America/Los_Angeles';
const SECRET = 'sandbox_secret_0123456789';
/** Local date and HH:MM at the property → epoch ms. */
const at = (date: string, hhmm = '10:00') => {
  const [h, m] = hhmm.split(':').map(Number);
  return localToEpoch(date, h! * 60 + m!, TZ);
};

const PORTFOLIO = {
  properties: [
    {
      id: 'P1',
      name: 'Oak Court',
      timezone: TZ,
      jurisdiction: 'US-CA',
      kind: 'residential',
      phone: '+14155550100',
      email: 'office@oakcourt.example',
    },
  ],
  tenants: [
    {
      id: 'T1',
      name: 'Ana Ruiz',
      phone: '+14155550101',
      email: 'ana@example.com',
      language: 'es',
      consent: { sms: true, email: true },
    },
    {
      id: 'T2',
      name: 'Ben Ode',
      phone: '+14155550102',
      email: 'ben@example.com',
      consent: { sms: true, email: true },
    },
    {
      id: 'T3',
      name: 'Cy Park',
      phone: '+14155550103',
      email: 'cy@example.com',
      consent: { sms: true, email: true },
    },
  ],
  leases: ['1', '2', '3'].map((n) => ({
    id: `L${n}`,
    propertyId: 'P1',
    unit: `${n}A`,
    tenantIds: [`T${n}`],
    rentCents: 150000,
  })),
  ledger: ['1', '2', '3'].map((n) => ({
    id: `C${n}`,
    leaseId: `L${n}`,
    date: '2026-10-01',
    type: 'charge',
    category: 'rent',
    amountCents: 150000,
    dueDate: '2026-10-01',
  })),
};

const POLICY = `id: res-test
version: 1
appliesTo: {kind: residential}
trigger: {minPastDueCents: 100}
sendWindow: {start: "08:00", end: "20:00"}
mode: supervised
stages:
  - id: reminder
    day: 3
    actions:
      - {id: sms, type: message, channel: sms, template: reminder, to: [tenant]}
      - {id: mail, type: message, channel: email, template: reminder, to: [tenant]}
  - id: second
    day: 5
    actions:
      - {id: sms, type: message, channel: sms, template: late-notice, to: [tenant]}
      - {id: mail, type: message, channel: email, template: late-notice, to: [tenant]}
`;

let apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

forEachDialect('inbound replies and delivery receipts', (h) => {
  let db: Db | undefined;
  const database = async () => (db ??= await h.openMigrated());

  async function setUp(orgId: string, options: { secret?: string | undefined } = {}) {
    const db = await database();
    await ensureOrganisation(db, { id: orgId, name: orgId, at: '2026-09-01T00:00:00.000Z' });
    const clock = fixedClock(at('2026-10-02', '10:00'));
    const stores = { clock, ...storesFor(db) };
    await stores.policies.save(
      orgId,
      parsePolicy(POLICY, 'res.yaml'),
      'test',
      '2026-09-30T00:00:00.000Z',
    );
    await importJsonPortfolio(stores, {
      orgId,
      fileName: 'p.json',
      text: JSON.stringify(PORTFOLIO),
      format: 'json',
      actor: 'test',
    });
    const users = createUsersRepo(db, clock);
    const { user } = await users.addUser(orgId, 'boss@example.com', 'admin');
    const inbound = inboundFor(db, clock);
    const registry = createWebhookRegistry(
      sandboxWebhookConnectors({
        ...inbound,
        orgId,
        secret: 'secret' in options ? options.secret : SECRET,
      }),
    );
    const principal: Principal = {
      userId: user.id,
      email: user.email,
      role: 'admin',
      orgId,
      via: 'api_token',
    };
    const auditor: Principal = { ...principal, userId: 'aud', role: 'auditor' };
    const { deps } = fakeDeps({
      webhooks: registry,
      webhookEvents: createWebhookEventsRepo(db, orgId),
      auth: fakeAuth({ tok_admin: principal, tok_auditor: auditor }),
      clock,
      apiRoutes: [provideRepliesApi(inbound), ...API_V1_ROUTES],
    });
    const app = await buildApp(deps);
    apps.push(app);
    const outbox = createOutboxRepo(db, clock);

    let n = 0;
    /** Posts a signed sandbox webhook (JSON unless `raw` with its content type is given). */
    const post = (
      connector: 'sandbox-sms' | 'sandbox-email',
      body: Record<string, unknown> | { raw: string; contentType: string },
      opts: { secret?: string; t?: number } = {},
    ) => {
      const isRaw = 'raw' in body && 'contentType' in body;
      const payload = isRaw ? String(body.raw) : JSON.stringify({ id: `evt_${++n}`, ...body });
      const t = opts.t ?? Math.floor(clock.now() / 1000);
      return app.inject({
        method: 'POST',
        url: `/webhooks/${connector}`,
        headers: {
          'content-type': isRaw ? String(body.contentType) : 'application/json',
          'x-arrears-signature': signSandboxWebhook(opts.secret ?? SECRET, payload, t),
        },
        payload,
      });
    };
    const text = (from: string, body: string, messageId: string, extra = {}) =>
      post('sandbox-sms', {
        type: 'message.received',
        messageId,
        from,
        to: '+14155550100',
        text: body,
        ...extra,
      });
    const api = (method: 'GET' | 'POST', url: string, payload?: unknown, token = 'tok_admin') =>
      app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${token}` },
        ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
      });
    const scan = (ms: number) => {
      clock.set(ms);
      return scanPortfolio(stores, { orgId, at: ms });
    };
    const dispatch = () =>
      dispatchOutbox(
        {
          outbox,
          recheck: makeRecheck(stores),
          senders: defaultSenders(),
          clock,
          workerId: 'w1',
        },
        { orgId },
      );
    const approveAll = () => approveActions({ outbox, users, clock }, orgId, user, { all: true });
    const rows = {
      replies: () =>
        db.kysely
          .selectFrom('replies')
          .selectAll()
          .where('org_id', '=', orgId)
          .orderBy('received_at')
          .execute(),
      events: (type?: string) => {
        let q = db.kysely.selectFrom('events').selectAll().where('org_id', '=', orgId);
        if (type) q = q.where('type', '=', type);
        return q.orderBy('created_at').execute();
      },
      outbox: (leaseId?: string) => {
        let q = db.kysely.selectFrom('outbox').selectAll().where('org_id', '=', orgId);
        if (leaseId) q = q.where('lease_id', '=', leaseId);
        return q.orderBy('key').execute();
      },
      suggestions: () =>
        db.kysely.selectFrom('suggestions').selectAll().where('org_id', '=', orgId).execute(),
    };
    return { db, clock, app, post, text, api, scan, dispatch, approveAll, rows, outbox, orgId };
  }

  describe('signatures and replays', () => {
    it('a forged or stale signature is refused with 401 and nothing is stored', async () => {
      const s = await setUp('forged');
      const forged = await s.post(
        'sandbox-sms',
        { type: 'message.received', messageId: 'SM1', from: '+14155550101', text: 'STOP' },
        { secret: 'not-the-secret' },
      );
      expect(forged.statusCode).toBe(401);
      expect(forged.json()).toMatchObject({
        type: 'urn:arrears:problem:webhook_signature_invalid',
        detail: 'sandbox-sms webhook refused: signature mismatch',
      });
      const stale = await s.post(
        'sandbox-sms',
        { type: 'message.received', messageId: 'SM2', from: '+14155550101', text: 'STOP' },
        { t: Math.floor(s.clock.now() / 1000) - 3600 },
      );
      expect(stale.statusCode).toBe(401);
      expect(stale.json().detail).toContain('tolerance');
      const unsigned = await s.app.inject({
        method: 'POST',
        url: '/webhooks/sandbox-sms',
        headers: { 'content-type': 'application/json' },
        payload: '{"from":"+14155550101","text":"STOP"}',
      });
      expect(unsigned.statusCode).toBe(401);
      expect(await s.rows.replies()).toEqual([]);
      expect(await s.rows.events('reply')).toEqual([]);
      const seen = await s.db.kysely
        .selectFrom('webhook_events')
        .selectAll()
        .where('org_id', '=', 'forged')
        .execute();
      expect(seen).toEqual([]);
    });

    it('without ARREARS_SANDBOX_WEBHOOK_SECRET the webhooks are refused (503)', async () => {
      const s = await setUp('nosecret', { secret: undefined });
      const r = await s.text('+14155550101', 'STOP', 'SM1');
      expect(r.statusCode).toBe(503);
      expect(r.json().type).toBe('urn:arrears:problem:webhook_not_configured');
      expect(await s.rows.replies()).toEqual([]);
    });

    it('a replayed webhook, or the same message under a new event id, is stored once', async () => {
      const s = await setUp('replay');
      const body = JSON.stringify({
        id: 'evt_same',
        type: 'message.received',
        messageId: 'SM-REPLAY',
        from: '(415) 555-0102',
        text: 'Is the office open Saturday?',
      });
      const send = () => s.post('sandbox-sms', { raw: body, contentType: 'application/json' });
      const first = await send();
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ received: true, duplicate: false, status: 'matched' });
      const again = await send();
      expect(again.json()).toEqual({ received: true, duplicate: true, eventId: 'evt_same' });
      const redelivered = await s.text('+14155550102', 'Is the office open Saturday?', 'SM-REPLAY');
      expect(redelivered.statusCode).toBe(200);
      expect(redelivered.json()).toMatchObject({ duplicate: true, replyId: first.json().replyId });
      expect(await s.rows.replies()).toHaveLength(1);
      expect(await s.rows.events('reply')).toHaveLength(1);
      const reply = (await s.rows.replies())[0]!;
      expect(reply).toMatchObject({
        lease_id: 'L2',
        tenant_id: 'T2',
        from_address: '+14155550102',
      });
    });
  });

  describe('opt-out, HELP and opt-in', () => {
    it('STOP: an opt-out event at once, one confirmation that goes out anyway, and the next scan skips SMS with opted_out', async () => {
      const s = await setUp('stop');
      await s.scan(at('2026-10-02', '18:00')); // the cases open
      s.clock.set(at('2026-10-03', '10:00'));
      const r = await s.text('+14155550101', 'STOP', 'SM-STOP');
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({
        duplicate: false,
        status: 'matched',
        intent: 'opt_out',
        leaseId: 'L1',
        episode: 1,
        events: 1,
        suggestions: [],
      });
      const events = await s.rows.events('reply');
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]!.payload)).toMatchObject({
        type: 'reply',
        leaseId: 'L1',
        tenantId: 'T1',
        channel: 'sms',
        text: 'STOP',
        date: '2026-10-03',
        from: '+14155550101',
      });
      const confirmations = (await s.rows.outbox('L1')).filter((o) => o.stage === '$reply');
      expect(confirmations).toHaveLength(1);
      expect(confirmations[0]).toMatchObject({
        action: 'opt-out-confirmation',
        channel: 'sms',
        contact_id: 'T1',
        status: 'approved',
        approvals_required: 0,
      });
      // Ana writes in Spanish: her confirmation is in Spanish, and names the office.
      expect(JSON.parse(confirmations[0]!.payload).body).toBe(
        'Oak Court: ya no recibirá mensajes de texto nuestros. Responda ALTA para volver a recibirlos.',
      );
      // The confirmation is sent although she opted out (the re-check lets $reply through).
      const sent = await s.dispatch();
      expect(sent.sent).toBe(1);
      expect((await s.outbox.get('stop', confirmations[0]!.key))?.status).toBe('sent');

      // Oct 4: the reminder comes due. Ana's SMS is skipped (opted_out); her e-mail and the
      // other tenants' SMS are drafted.
      await s.scan(at('2026-10-04', '23:00'));
      const l1 = (await s.rows.outbox('L1')).filter((o) => o.stage === 'reminder');
      expect(l1.map((o) => [o.action, o.status, o.reason])).toEqual([
        ['mail', 'draft', null],
        ['sms', 'skipped', 'opted_out'],
      ]);
      const l2 = (await s.rows.outbox('L2')).filter((o) => o.stage === 'reminder');
      expect(l2.map((o) => [o.action, o.status])).toEqual([
        ['mail', 'draft'],
        ['sms', 'draft'],
      ]);
      // Every step audited.
      const chain = await readChain(s.db, 'stop');
      expect(chain.map((e) => e.type)).toEqual(expect.arrayContaining(['reply.received']));
    });

    it('a STOP received after the reminder was approved stops it at dispatch (opted_out)', async () => {
      const s = await setUp('stop-late');
      await s.scan(at('2026-10-02', '18:00'));
      await s.scan(at('2026-10-04', '23:00'));
      await s.approveAll();
      s.clock.set(at('2026-10-04', '23:30'));
      expect((await s.text('+14155550103', 'stop texting me', 'SM-L3')).json().intent).toBe(
        'opt_out',
      );
      s.clock.set(at('2026-10-05', '09:00'));
      await s.dispatch();
      const l3 = (await s.rows.outbox('L3')).filter((o) => o.stage === 'reminder');
      expect(l3.map((o) => [o.action, o.status, o.reason])).toEqual([
        ['mail', 'sent', null],
        ['sms', 'skipped', 'opted_out'],
      ]);
    });

    it('HELP gets an automatic answer with the office contact; START a confirmation', async () => {
      const s = await setUp('help');
      await s.scan(at('2026-10-02', '18:00'));
      const help = await s.text('+14155550102', 'Help', 'SM-HELP');
      expect(help.json()).toMatchObject({ intent: 'help', suggestions: [] });
      const start = await s.text('+14155550102', 'START', 'SM-START');
      expect(start.json()).toMatchObject({ intent: 'opt_in' });
      const auto = (await s.rows.outbox('L2')).filter((o) => o.stage === '$reply');
      expect(auto.map((o) => o.action).sort()).toEqual(['help-response', 'opt-in-confirmation']);
      const body = JSON.parse(auto.find((o) => o.action === 'help-response')!.payload).body;
      expect(body).toBe(
        'Oak Court: for help with your account, call or write to +14155550100 or office@oakcourt.example. Reply STOP to stop these messages.',
      );
      // A question in words is not the HELP keyword: staff call back.
      const call = await s.text('+14155550102', 'Can you call me please?', 'SM-CALL');
      expect(call.json().suggestions).toHaveLength(1);
      expect((await s.rows.suggestions()).map((x) => x.kind)).toEqual(['callback']);
    });
  });

  describe('suggestions', () => {
    it('"Le pago el viernes 200 dólares": a suggested promise of 20000 until Friday; confirmed, a promise hold', async () => {
      const s = await setUp('promise');
      await s.scan(at('2026-10-02', '18:00'));
      s.clock.set(at('2026-10-06', '10:00')); // a Tuesday
      const r = await s.text('+14155550101', 'Le pago el viernes 200 dólares', 'SM-PROMISE');
      expect(r.json()).toMatchObject({ intent: 'promise_to_pay', events: 1 });
      const [id] = r.json().suggestions as string[];
      const list = await s.api('GET', '/suggestions');
      expect(list.statusCode).toBe(200);
      expect(list.json().items).toEqual([
        expect.objectContaining({
          id,
          leaseId: 'L1',
          kind: 'promise',
          intent: 'promise_to_pay',
          status: 'open',
          episode: 1,
          replyDate: '2026-10-06',
          proposal: { amountCents: 20000, until: '2026-10-09' },
          text: 'Le pago el viernes 200 dólares',
        }),
      ]);
      // An auditor may read but not decide.
      expect((await s.api('GET', '/suggestions', undefined, 'tok_auditor')).statusCode).toBe(200);
      expect(
        (await s.api('POST', `/suggestions/${id}/confirm`, {}, 'tok_auditor')).statusCode,
      ).toBe(403);

      const confirmed = await s.api('POST', `/suggestions/${id}/confirm`, {});
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.json()).toMatchObject({
        id,
        status: 'confirmed',
        kind: 'promise',
        leaseId: 'L1',
        tasks: [],
        decidedBy: 'boss@example.com',
        events: [
          {
            type: 'promise',
            leaseId: 'L1',
            date: '2026-10-06',
            amountCents: 20000,
            until: '2026-10-09',
          },
        ],
      });
      const promises = await s.rows.events('promise');
      expect(promises.map((e) => JSON.parse(e.payload))).toEqual([
        expect.objectContaining({ amountCents: 20000, until: '2026-10-09', leaseId: 'L1' }),
      ]);
      // Decided once.
      const twice = await s.api('POST', `/suggestions/${id}/confirm`, {});
      expect(twice.statusCode).toBe(409);
      expect((await s.api('GET', '/suggestions')).json().items).toEqual([]);
      // The promise holds the case: the second reminder (due Oct 6) is not drafted for L1.
      await s.scan(at('2026-10-06', '23:00'));
      expect((await s.rows.outbox('L1')).filter((o) => o.stage === 'second')).toEqual([]);
      expect((await s.rows.outbox('L2')).filter((o) => o.stage === 'second').length).toBe(2);
      // The reply is threaded to the case.
      const replies = await s.api('GET', '/replies?leaseId=L1');
      expect(replies.json().items).toEqual([
        expect.objectContaining({
          leaseId: 'L1',
          episode: 1,
          channel: 'sms',
          text: 'Le pago el viernes 200 dólares',
          intent: 'promise_to_pay',
          status: 'matched',
        }),
      ]);
    });

    it('a promise without a date needs --until; the amount can be corrected', async () => {
      const s = await setUp('promise-nodate');
      await s.scan(at('2026-10-02', '18:00'));
      s.clock.set(at('2026-10-06', '10:00'));
      const r = await s.text('+14155550102', "I'll pay $300", 'SM-1');
      const [id] = r.json().suggestions as string[];
      const missing = await s.api('POST', `/suggestions/${id}/confirm`, {});
      expect(missing.statusCode).toBe(400);
      expect(missing.json().errors[0].path).toBe('until');
      const ok = await s.api('POST', `/suggestions/${id}/confirm`, {
        amountCents: 25000,
        until: '2026-10-20',
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().events[0]).toMatchObject({ amountCents: 25000, until: '2026-10-20' });
    });

    it('"I already paid": a paid-claim suggestion (the review hold is in force); confirmed, a task for finance', async () => {
      const s = await setUp('paid');
      await s.scan(at('2026-10-02', '18:00'));
      s.clock.set(at('2026-10-03', '10:00'));
      const r = await s.text('+14155550102', 'I already paid', 'SM-PAID');
      expect(r.json()).toMatchObject({ intent: 'paid_claim' });
      const [id] = r.json().suggestions as string[];
      expect((await s.rows.suggestions())[0]).toMatchObject({ kind: 'paid_claim', status: 'open' });
      // R12: a paid claim places a review hold in every mode — nothing is drafted for L2.
      await s.scan(at('2026-10-04', '23:00'));
      expect((await s.rows.outbox('L2')).filter((o) => o.stage === 'reminder')).toEqual([]);

      const confirmed = await s.api('POST', `/suggestions/${id}/confirm`);
      expect(confirmed.statusCode).toBe(200);
      const [task] = confirmed.json().tasks as string[];
      expect(task).toBe(`L2:1:$reply:paid_claim:${id}`);
      const item = (await s.rows.outbox('L2')).find((o) => o.key === task)!;
      expect(item).toMatchObject({ type: 'task', status: 'approved', stage: '$reply' });
      expect(JSON.parse(item.payload)).toMatchObject({
        title: 'Tenant says they paid: find the payment',
        assignee: 'role:finance',
        dueDate: '2026-10-05',
      });
      const counts = await s.dispatch();
      expect(counts.tasks).toBe(1);
      const tasks = await s.db.kysely
        .selectFrom('tasks')
        .selectAll()
        .where('org_id', '=', 'paid')
        .execute();
      expect(tasks.map((t) => [t.lease_id, t.title])).toEqual([
        ['L2', 'Tenant says they paid: find the payment'],
      ]);
    });

    it('a dismissed dispute releases the dispute hold the reply placed', async () => {
      const s = await setUp('dispute');
      await s.scan(at('2026-10-02', '18:00'));
      s.clock.set(at('2026-10-03', '10:00'));
      const r = await s.text('+14155550103', "I don't owe this, the charge is wrong", 'SM-D');
      expect(r.json().intent).toBe('dispute');
      const [id] = r.json().suggestions as string[];
      await s.scan(at('2026-10-04', '23:00'));
      expect((await s.rows.outbox('L3')).filter((o) => o.stage === 'reminder')).toEqual([]);
      const noReason = await s.api('POST', `/suggestions/${id}/dismiss`, {});
      expect(noReason.statusCode).toBe(400);
      s.clock.set(at('2026-10-05', '10:00'));
      const dismissed = await s.api('POST', `/suggestions/${id}/dismiss`, {
        reason: 'checked the ledger: the charge is right',
      });
      expect(dismissed.statusCode).toBe(200);
      expect(dismissed.json()).toMatchObject({
        status: 'dismissed',
        events: [{ type: 'release', hold: 'dispute', date: '2026-10-05' }],
      });
      // The hold was in force Oct 3 and 4: the reminder moves two days later (shift).
      await s.scan(at('2026-10-05', '23:00'));
      expect((await s.rows.outbox('L3')).filter((o) => o.stage === 'reminder')).toEqual([]);
      await s.scan(at('2026-10-06', '23:00'));
      expect((await s.rows.outbox('L3')).filter((o) => o.stage === 'reminder').length).toBe(2);
    });
  });

  describe('delivery receipts', () => {
    it('an undelivered SMS and a bounced e-mail fail their items and mark the contact points bad', async () => {
      const s = await setUp('bounce');
      await s.scan(at('2026-10-02', '18:00'));
      await s.scan(at('2026-10-04', '23:00'));
      await s.approveAll();
      s.clock.set(at('2026-10-05', '09:00'));
      await s.dispatch();
      const sent = (await s.rows.outbox('L2')).filter((o) => o.stage === 'reminder');
      expect(sent.map((o) => o.status)).toEqual(['sent', 'sent']);
      const sms = sent.find((o) => o.channel === 'sms')!;
      const mail = sent.find((o) => o.channel === 'email')!;

      const undelivered = await s.post('sandbox-sms', {
        type: 'message.status',
        messageId: sms.provider_id,
        status: 'undelivered',
        reason: '30003 unreachable handset',
      });
      expect(undelivered.statusCode).toBe(200);
      expect(undelivered.json()).toMatchObject({
        key: sms.key,
        from: 'sent',
        to: 'failed',
        transitioned: true,
        eventRecorded: true,
        contactBad: true,
      });
      const bounced = await s.post('sandbox-email', {
        type: 'message.status',
        key: mail.key,
        status: 'bounced',
        reason: '550 mailbox unavailable',
      });
      expect(bounced.json()).toMatchObject({ key: mail.key, to: 'failed', contactBad: true });
      const failed = (await s.rows.outbox('L2')).filter((o) => o.stage === 'reminder');
      expect(failed.map((o) => [o.status, o.reason])).toEqual([
        ['failed', 'bounced: 550 mailbox unavailable'],
        ['failed', 'undelivered: 30003 unreachable handset'],
      ]);
      expect((await s.rows.events('delivery')).map((e) => JSON.parse(e.payload))).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ status: 'undelivered', channel: 'sms', contactId: 'T2' }),
          expect.objectContaining({ status: 'bounced', channel: 'email', contactId: 'T2' }),
        ]),
      );
      // A delivery receipt for L1's SMS: delivered.
      const l1sms = (await s.rows.outbox('L1')).find(
        (o) => o.stage === 'reminder' && o.channel === 'sms',
      )!;
      const ok = await s.post('sandbox-sms', {
        type: 'message.status',
        messageId: l1sms.provider_id,
        status: 'delivered',
      });
      expect(ok.json()).toMatchObject({ to: 'delivered', contactBad: false });
      // An unknown message id changes nothing.
      const unknown = await s.post('sandbox-sms', {
        type: 'message.status',
        messageId: 'nope',
        status: 'delivered',
      });
      expect(unknown.json()).toMatchObject({ key: null, transitioned: false });

      // Oct 6: the second reminder skips both of Ben's contact points (bad_contact).
      await s.scan(at('2026-10-06', '23:00'));
      const second = (await s.rows.outbox('L2')).filter((o) => o.stage === 'second');
      expect(second.map((o) => [o.action, o.status, o.reason])).toEqual([
        ['mail', 'skipped', 'bad_contact'],
        ['sms', 'skipped', 'bad_contact'],
      ]);
      const l1second = (await s.rows.outbox('L1')).filter((o) => o.stage === 'second');
      expect(l1second.map((o) => o.status)).toEqual(['draft', 'draft']);
    });
  });

  describe('unknown senders and e-mail', () => {
    it('a sender no tenant matches is stored unmatched for the exception list, with no event', async () => {
      const s = await setUp('unknown');
      const r = await s.text('+14155559999', 'STOP', 'SM-UNKNOWN');
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({
        status: 'unmatched',
        intent: 'opt_out',
        leaseId: null,
        events: 0,
        queued: [],
      });
      expect(await s.rows.events()).toHaveLength(0);
      const listed = await s.api('GET', '/replies?status=unmatched');
      expect(listed.json().items).toEqual([
        expect.objectContaining({
          status: 'unmatched',
          from: '+14155559999',
          text: 'STOP',
          leaseId: null,
        }),
      ]);
      const chain = await readChain(s.db, 'unknown');
      expect(chain.at(-1)).toMatchObject({ type: 'reply.unmatched' });
    });

    it('an inbound-parse e-mail (multipart) is read without its quoted text and matched by address', async () => {
      const s = await setUp('email');
      await s.scan(at('2026-10-02', '18:00'));
      s.clock.set(at('2026-10-06', '10:00'));
      const boundary = 'xYzZY';
      const field = (name: string, value: string) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      const raw =
        field('from', 'Ben Ode <BEN@example.com>') +
        field('to', 'office@oakcourt.example') +
        field('subject', 'Re: Rent reminder') +
        field(
          'text',
          'I lost my job and cannot pay right now.\r\n\r\nOn Sun, Oct 4, 2026 at 9:00 AM Oak Court <office@oakcourt.example> wrote:\r\n> Your rent of $1,500 is past due. Please pay by Friday.\r\n',
        ) +
        field(
          'headers',
          'Message-ID: <abc123@mail.example.com>\r\nFrom: Ben Ode <BEN@example.com>',
        ) +
        `--${boundary}\r\nContent-Disposition: form-data; name="attachment1"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n` +
        `--${boundary}--\r\n`;
      const r = await s.post('sandbox-email', {
        raw,
        contentType: `multipart/form-data; boundary=${boundary}`,
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'matched', leaseId: 'L2', intent: 'hardship' });
      const [reply] = await s.rows.replies();
      expect(reply).toMatchObject({
        channel: 'email',
        from_address: 'ben@example.com',
        provider_id: '<abc123@mail.example.com>',
      });
      expect(JSON.parse(reply!.classification!).classifiedText).toBe(
        'I lost my job and cannot pay right now.',
      );
      expect((await s.rows.suggestions()).map((x) => x.kind)).toEqual(['hardship']);
    });
  });
});

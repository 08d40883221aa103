import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorHarness, manifestProblems } from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { Principal } from '../../app/ports/auth.js';
import { HOOK_EVENTS, publishEvents, type HookEvent } from '../../app/publish-events.js';
import { buildApp } from '../../http/app.js';
import { hooksRoutes, provideHooksApi } from '../../http/routes/v1/hooks.js';
import { fakeAuth, fakeDeps } from '../../http/testing.js';
import { openDatabase, type Db } from '../../storage/database.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { hookSubscriptionsRepo } from '../../storage/repos/hook-subscriptions-repo.js';
import { ensureDefaultOrganisation } from '../../storage/repos/organisations-repo.js';
import { hookDeliveryOf, zapierConnector } from './index.js';
import { injectApi, startZapierFake, type ZapierFake } from './fake-server.js';
import {
  caseClosed,
  caseOpened,
  ensureHookSubscriptions,
  outboxSent,
  record,
  replyReceived,
  type Happening,
} from './testing.js';

const ORG = 'default';
const AT = '2026-10-06T16:00:00.000Z';
const MANAGER: Principal = {
  userId: 'u1',
  email: 'manager@oakcourt.example',
  role: 'manager',
  orgId: ORG,
  via: 'api_token',
};
const tokens = {
  manager: MANAGER,
  collections: { ...MANAGER, userId: 'u2', role: 'collections' as const },
  auditor: { ...MANAGER, userId: 'u3', role: 'auditor' as const },
};

let db: Db;
let app: FastifyInstance;
let zapier: ZapierFake;
const clock = fixedClock(Date.parse(AT));

beforeEach(async () => {
  clock.set(Date.parse(AT));
  db = await openDatabase('sqlite::memory:');
  await migrateToLatest(db);
  await ensureDefaultOrganisation(db, '2026-01-01T00:00:00.000Z');
  await ensureHookSubscriptions(db);
  const hooks = hookSubscriptionsRepo(db);
  app = await buildApp(
    fakeDeps({
      auth: fakeAuth(tokens),
      clock,
      apiRoutes: [provideHooksApi({ hooks, clock }), hooksRoutes],
    }).deps,
  );
  zapier = await startZapierFake();
});
afterEach(async () => {
  await app.close();
  await zapier.close();
  await db.close();
});

const env = () => ({ ARREARS_ZAPIER_ENABLED: '1', ARREARS_ZAPIER_BASE_URL: zapier.url });

function publish() {
  const h = connectorHarness(zapierConnector, env(), { clock });
  return publishEvents(
    { hooks: hookSubscriptionsRepo(db), clock, delivery: hookDeliveryOf(h.instance)! },
    ORG,
  );
}

const happen = (...h: Happening[]) => record(db, ORG, AT, ...h);
const zap = (token: keyof typeof tokens = 'manager') => zapier.zap(injectApi(app), token);
const postsTo = (targetUrl: string) =>
  zapier.requests.filter((r) => r.method === 'POST' && targetUrl.endsWith(r.path));

describe('zapier connector (REST hooks: our API is the trigger source)', () => {
  it('has a valid manifest and stays off unless ENABLED is 1', () => {
    expect(manifestProblems(zapierConnector)).toEqual([]);
    expect(() =>
      connectorHarness(zapierConnector, { ...env(), ARREARS_ZAPIER_ENABLED: 'no' }),
    ).toThrow(/must be 1/);
  });

  it('subscribe answers 201 {id, target_url, event}; each later event is posted once, in order', async () => {
    await happen(outboxSent('L0:1:late-notice:sms', 'L0')); // before the Zap: not posted
    const z = zap();
    const answer = await z.subscribe('action.sent');
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({
      id: expect.stringMatching(/^hook_[0-9a-f]{16}$/),
      target_url: z.targetUrl,
      event: 'action.sent',
    });

    const [first] = await happen(
      outboxSent('L1:1:late-notice:sms', 'L1'),
      caseOpened('L2'), // another event: not this Zap's
    );
    const [second] = await happen(outboxSent('L3:2:final-notice:email/T9/email', 'L3'));
    expect(await publish()).toMatchObject({ delivered: 2, gone: [], retrying: [] });
    expect(z.caught).toEqual([
      {
        id: `evt_${ORG}_${first!.seq}`,
        event: 'action.sent',
        occurredAt: AT,
        leaseId: 'L1',
        caseEpisode: 1,
        key: 'L1:1:late-notice:sms',
        stage: 'late-notice',
        action: 'sms',
        status: 'sent',
        provider: 'twilio',
        attempts: 1,
        reason: null,
        errorCode: null,
      },
      expect.objectContaining({
        id: `evt_${ORG}_${second!.seq}`,
        leaseId: 'L3',
        caseEpisode: 2,
        stage: 'final-notice',
        action: 'email',
      }),
    ]);
    const post = postsTo(z.targetUrl)[0]!;
    expect(post.headers['content-type']).toBe('application/json');
    expect(post.headers['x-arrears-event']).toBe('action.sent');
    expect(post.headers['x-arrears-event-id']).toBe(`evt_${ORG}_${first!.seq}`);

    expect(await publish()).toMatchObject({ delivered: 0 });
    expect(z.caught).toHaveLength(2);
  });

  it('after unsubscribe (204) nothing more is posted to the target', async () => {
    const z = zap();
    await z.subscribe('case.opened');
    await happen(caseOpened('L1'));
    await publish();
    expect(z.caught).toHaveLength(1);

    expect((await z.unsubscribe()).status).toBe(204);
    await happen(caseOpened('L2'));
    expect(await publish()).toMatchObject({ delivered: 0, gone: [] });
    expect(postsTo(z.targetUrl)).toHaveLength(1);
    // Zapier may unsubscribe twice (a 410 got there first): still fine.
    expect((await z.unsubscribe()).status).toBe(204);
  });

  it('a target answering 410 Gone has its subscription deleted', async () => {
    const z = zap();
    await z.subscribe('case.closed');
    zapier.turnOff(z.targetUrl);
    await happen(caseClosed('L1'), caseClosed('L2'));
    const report = await publish();
    expect(report.gone).toEqual([z.subscribeData!.id]);
    expect(postsTo(z.targetUrl)).toHaveLength(1);
    expect(await hookSubscriptionsRepo(db).list(ORG)).toEqual([]);
    expect(await publish()).toMatchObject({ delivered: 0, gone: [] });
    expect(postsTo(z.targetUrl)).toHaveLength(1);
  });

  it('a 429 is retried after its Retry-After, then the event is accepted once', async () => {
    const z = zap();
    await z.subscribe('reply.received');
    await happen(replyReceived('L1', 'rp_1'));
    zapier.failNext(1, 429, { 'retry-after': '0' });
    expect(await publish()).toMatchObject({ delivered: 1, retrying: [] });
    expect(postsTo(z.targetUrl)).toHaveLength(2);
    expect(z.caught).toHaveLength(1);
  });

  it('a long Retry-After keeps the event for a later pass, not before the instant named', async () => {
    const z = zap();
    await z.subscribe('reply.received');
    await happen(replyReceived('L1', 'rp_1'));
    zapier.failNext(1, 429, { 'retry-after': '120' });
    const first = await publish();
    expect(first.retrying).toEqual([
      { id: z.subscribeData!.id, reason: 'HTTP 429', at: '2026-10-06T16:02:00.000Z' },
    ]);
    expect(z.caught).toHaveLength(0);

    clock.advance(60_000);
    expect(await publish()).toMatchObject({ delivered: 0, busy: [z.subscribeData!.id] });
    clock.advance(60_000);
    expect(await publish()).toMatchObject({ delivered: 1 });
    expect(z.caught).toEqual([expect.objectContaining({ replyId: 'rp_1' })]);
  });

  it('a 5xx is retried, then the event is accepted once', async () => {
    const z = zap();
    await z.subscribe('case.opened');
    await happen(caseOpened('L1'));
    zapier.failNext(2, 502);
    expect(await publish()).toMatchObject({ delivered: 1 });
    expect(z.caught).toHaveLength(1);
  });

  it('an unreachable target is retried on a later pass; its URL never shows in the reason', async () => {
    const elsewhere = await startZapierFake();
    const z = elsewhere.zap(injectApi(app), 'manager');
    await z.subscribe('case.opened');
    await elsewhere.close();
    await happen(caseOpened('L1'));
    const report = await publish();
    expect(report.retrying).toEqual([
      { id: z.subscribeData!.id, reason: expect.stringMatching(/^not sent: /) },
    ]);
    expect(report.retrying[0]!.reason).not.toContain('/hooks/catch');
  });

  it('the sample of every event has exactly the keys of a live one, and no message content', async () => {
    const zaps = new Map<HookEvent, ReturnType<typeof zap>>();
    for (const event of HOOK_EVENTS) {
      const z = zap();
      await z.subscribe(event);
      zaps.set(event, z);
    }
    await happen(
      caseOpened('L1'),
      outboxSent('L1:1:late-notice:sms', 'L1'),
      {
        type: 'outbox.failed',
        subject: 'outbox:L1:1:letter:mail',
        data: {
          key: 'L1:1:letter:mail',
          leaseId: 'L1',
          from: 'dispatching',
          to: 'failed',
          reason: 'rejected: address_invalid the address could not be verified',
          attempts: 1,
          provider: 'postal',
          outcome: 'rejected',
          code: 'address_invalid',
        },
      },
      replyReceived('L1', 'rp_1'),
      caseClosed('L1'),
      {
        type: 'lease.flagged',
        subject: 'lease:L1',
        data: { eventId: 'F1', date: '2026-10-12', kind: 'at_risk' },
      },
    );
    expect(await publish()).toMatchObject({ delivered: 6 });
    for (const [event, z] of zaps) {
      const sample = await z.sample(event);
      expect(sample.status).toBe(200);
      const [one] = sample.json as Record<string, unknown>[];
      const [live] = z.caught as Record<string, unknown>[];
      expect(Object.keys(one!).sort(), event).toEqual(Object.keys(live!).sort());
      expect(one!.event).toBe(event);
      const text = JSON.stringify(live);
      for (const leak of [
        'providerMessageId',
        'SM-in-1',
        '"T1"',
        'tenantId',
        'could not be verified',
      ])
        expect(text, `${event} payload`).not.toContain(leak);
    }
    expect(zaps.get('action.failed')!.caught[0]).toMatchObject({
      status: 'failed',
      reason: 'rejected',
      errorCode: 'address_invalid',
    });
  });

  it('only admins and managers subscribe; the target must be https (http only to 127.0.0.1)', async () => {
    expect((await zap('collections').subscribe('case.opened')).status).toBe(403);
    expect((await zap('auditor').subscribe('case.opened')).status).toBe(403);
    const api = injectApi(app);
    const bad = await api({
      method: 'POST',
      path: '/api/v1/hooks',
      token: 'manager',
      body: { target_url: 'http://hooks.example.com/x', event: 'case.opened' },
    });
    expect(bad.status).toBe(400);
    const badEvent = await zap().subscribe('case.reopened');
    expect(badEvent.status).toBe(400);
    const unknown = await api({
      method: 'DELETE',
      path: '/api/v1/hooks/hook_nope',
      token: 'manager',
    });
    expect(unknown.status).toBe(404);
    expect((await zap('auditor').sample('case.opened')).status).toBe(200);
  });

  it('`connectors test zapier` reaches the hook host, and says so when it cannot', async () => {
    expect(await connectorHarness(zapierConnector, env()).instance.verify()).toMatchObject({
      ok: true,
    });
    const closed = await startZapierFake();
    await closed.close();
    const h = connectorHarness(zapierConnector, { ...env(), ARREARS_ZAPIER_BASE_URL: closed.url });
    expect((await h.instance.verify()).ok).toBe(false);
  });
});

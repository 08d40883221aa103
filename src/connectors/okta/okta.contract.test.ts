import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANA,
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { ConnectorLog } from '../context.js';
import { oktaConnector } from './index.js';
import { okta, startOktaFake, type FakeOktaUser, type OktaFake } from './fake-server.js';

const TOKEN = '00abcSSWStokenFORtests';
const HOOK_SECRET = 'Basic b2t0YS1ob29rOnMzY3JldA==';

let fake: OktaFake;
beforeEach(async () => {
  fake = await startOktaFake({ apiToken: TOKEN });
});
afterEach(() => fake.close());

function harness(over: Record<string, string | undefined> = {}) {
  return connectorHarness(oktaConnector, {
    ARREARS_OKTA_ORG_URL: 'https://oakcourt.okta.com',
    ARREARS_OKTA_API_TOKEN: TOKEN,
    ARREARS_OKTA_EVENT_HOOK_SECRET: HOOK_SECRET,
    ARREARS_OKTA_BASE_URL: fake.url,
    ...over,
  });
}

/** A lease-level access item: no contact of its own, the lease's primary tenant (T1). */
const access = (lists: { deny?: string[]; restore?: string[] }, over: Partial<OutboxItem> = {}) =>
  outboxItem({
    key: 'L1:1:lock-out:access',
    stage: 'lock-out',
    action: 'access',
    type: 'access',
    channel: null,
    contactId: 'T1',
    payload: { date: '2026-10-20', ...lists },
    ...over,
  });

const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);
const anaUser = (status = 'ACTIVE') => fake.addUser(ANA.email!, status);

/** A user whose status reads `first` once (the connector's lookup), then `then`. */
function changingUnderfoot(user: FakeOktaUser, first: string, then: string) {
  let reads = 0;
  Object.defineProperty(user, 'status', {
    get: () => (reads++ === 0 ? first : then),
    set: () => {},
    enumerable: true,
  });
}

describe('okta connector: access:portal', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(oktaConnector)).toEqual([]);
  });

  it('portal deny: finds the tenant by login or e-mail and suspends the user', async () => {
    const user = anaUser();
    const outcome = await harness().send('access:portal', access({ deny: ['gate', 'portal'] }));
    expect(outcome).toEqual({ tag: 'accepted', externalId: user.id });
    expect(calls()).toEqual([
      'GET /api/v1/users',
      `POST /api/v1/users/${user.id}/lifecycle/suspend`,
    ]);
    const [search, suspend] = fake.requests;
    expect(Object.fromEntries(search!.query)).toEqual({
      search: 'profile.login eq "ana@example.com" or profile.email eq "ana@example.com"',
      limit: '2',
    });
    for (const r of fake.requests) {
      expect(r.headers.authorization).toBe(`SSWS ${TOKEN}`);
      expect(r.headers.accept).toBe('application/json');
    }
    // Lifecycle operations take an empty body.
    expect(suspend!.raw.byteLength).toBe(0);
    expect(user.status).toBe('SUSPENDED');
  });

  it('the same deny again is a success without a second transition (Okta has no idempotency key)', async () => {
    const user = anaUser();
    const h = harness();
    await h.send('access:portal', access({ deny: ['portal'] }));
    const again = await h.send('access:portal', access({ deny: ['portal'] }));
    expect(again).toEqual({ tag: 'accepted', externalId: user.id });
    expect(calls().filter((c) => c.includes('/lifecycle/'))).toHaveLength(1);
  });

  it('portal restore unsuspends; an ACTIVE user is already restored', async () => {
    const user = anaUser('SUSPENDED');
    const h = harness();
    const restore = access({ restore: ['portal'] }, { key: 'L1:1:$close:access-restore' });
    expect(await h.send('access:portal', restore)).toEqual({
      tag: 'accepted',
      externalId: user.id,
    });
    expect(calls()).toContain(`POST /api/v1/users/${user.id}/lifecycle/unsuspend`);
    expect(user.status).toBe('ACTIVE');
    expect((await h.send('access:portal', restore)).tag).toBe('accepted');
    expect(calls().filter((c) => c.includes('/lifecycle/'))).toHaveLength(1);
  });

  it('a user suspended meanwhile (Okta answers the wrong-state 400) counts as done', async () => {
    const user = anaUser();
    changingUnderfoot(user, 'ACTIVE', 'SUSPENDED');
    const outcome = await harness().send('access:portal', access({ deny: ['portal'] }));
    expect(outcome).toEqual({ tag: 'accepted', externalId: user.id });
    expect(calls()).toEqual([
      'GET /api/v1/users',
      `POST /api/v1/users/${user.id}/lifecycle/suspend`,
      `GET /api/v1/users/${user.id}`,
    ]);
  });

  it("a transition Okta refuses fails the item with Okta's errorCode", async () => {
    const user = anaUser();
    changingUnderfoot(user, 'ACTIVE', 'LOCKED_OUT');
    const outcome = await harness().send('access:portal', access({ deny: ['portal'] }));
    expect(outcome).toEqual({
      tag: 'rejected',
      code: 'E0000001',
      reason:
        'Api validation failed: lifecycle: Cannot suspend a user that is LOCKED_OUT; it must be ACTIVE',
    });
  });

  it('statuses the state machine cannot suspend from are refused without calling the lifecycle', async () => {
    anaUser('LOCKED_OUT');
    expect(await harness().send('access:portal', access({ deny: ['portal'] }))).toMatchObject({
      tag: 'rejected',
      code: 'okta_status_locked_out',
    });
    expect(calls()).toEqual(['GET /api/v1/users']);
  });

  it("a missing required field is refused Okta's way (E0000001 with its causes)", async () => {
    const direct = await fetch(`${fake.url}/api/v1/eventHooks`, {
      method: 'POST',
      headers: { authorization: `SSWS ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: { type: 'EVENT_TYPE', items: ['user.lifecycle.suspend'] } }),
    });
    expect(direct.status).toBe(400);
    expect(await direct.json()).toMatchObject({
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: eventHook',
      errorCauses: [
        { errorSummary: 'name: The field cannot be left blank' },
        { errorSummary: 'channel.config.uri: The field cannot be left blank' },
      ],
    });
    // The connector's own required input, the login: refused before calling Okta.
    const h = connectorHarness(
      oktaConnector,
      { ARREARS_OKTA_ORG_URL: fake.url, ARREARS_OKTA_API_TOKEN: TOKEN },
      { contacts: { T1: { ...ANA, email: null } } },
    );
    expect(await h.send('access:portal', access({ deny: ['portal'] }))).toMatchObject({
      tag: 'rejected',
      code: 'no_login',
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('no Okta user, or an item without a portal target, is rejected', async () => {
    expect(await harness().send('access:portal', access({ deny: ['portal'] }))).toMatchObject({
      tag: 'rejected',
      code: 'user_not_found',
    });
    expect(await harness().send('access:portal', access({ deny: ['gate'] }))).toMatchObject({
      tag: 'rejected',
      code: 'no_portal_target',
    });
  });

  it('bad credentials: Okta answers 401 E0000011; the item waits for the operator', async () => {
    const direct = await fetch(`${fake.url}/api/v1/users/me`, {
      headers: { authorization: 'SSWS wrong' },
    });
    expect(direct.status).toBe(401);
    expect(await direct.json()).toMatchObject({
      errorCode: 'E0000011',
      errorSummary: 'Invalid token provided',
    });
    anaUser();
    const outcome = await harness({ ARREARS_OKTA_API_TOKEN: 'wrong' }).send(
      'access:portal',
      access({ deny: ['portal'] }),
    );
    expect(outcome).toEqual({
      tag: 'retryable',
      reason: 'credentials refused: Invalid token provided',
    });
  });

  it('a 429 waits for X-Rate-Limit-Reset, then succeeds', async () => {
    const user = anaUser();
    fake.failNext(
      1,
      429,
      { 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000)) },
      okta.error('E0000047', 'API call exceeded rate limit due to too many requests.'),
    );
    expect((await harness().send('access:portal', access({ deny: ['portal'] }))).tag).toBe(
      'accepted',
    );
    expect(user.status).toBe('SUSPENDED');
    expect(fake.requests).toHaveLength(3);
  });

  it('a 429 that lasts becomes retry_after at X-Rate-Limit-Reset', async () => {
    anaUser();
    const reset = Math.floor(Date.now() / 1000) + 60;
    fake.failNext(
      4,
      429,
      { 'x-rate-limit-reset': String(reset) },
      okta.error('E0000047', 'API call exceeded rate limit due to too many requests.'),
    );
    expect(await harness().send('access:portal', access({ deny: ['portal'] }))).toEqual({
      tag: 'retry_after',
      at: new Date(reset * 1000).toISOString(),
      reason: 'API call exceeded rate limit due to too many requests.',
    });
  });

  it('a 5xx is retried, and the suspend still happens once', async () => {
    const user = anaUser();
    fake.fault(1, { status: 503, path: /^\/api\/v1\/users$/ });
    fake.fault(1, { status: 502, path: /lifecycle\/suspend$/ });
    expect((await harness().send('access:portal', access({ deny: ['portal'] }))).tag).toBe(
      'accepted',
    );
    expect(user.status).toBe('SUSPENDED');
  });
});

describe('okta connector: /webhooks/okta event hooks', () => {
  let h: ReturnType<typeof harness>;
  const logged: { fields: Record<string, unknown>; message: string }[] = [];
  beforeEach(() => {
    logged.length = 0;
    h = harness();
    const log: ConnectorLog = {
      info: (fields, message) => logged.push({ fields, message }),
      warn: (fields, message) => logged.push({ fields, message }),
    };
    h.ctx.log = log;
  });

  async function inject(payload: string, headers: Record<string, string>, times = 1) {
    const app = await h.webhookApp();
    try {
      const out = [];
      for (let i = 0; i < times; i++)
        out.push(await app.inject({ method: 'POST', url: '/webhooks/okta', payload, headers }));
      return out;
    } finally {
      await app.close();
    }
  }

  it('answers the one-time verification challenge, again when repeated', async () => {
    const [first, again] = await inject(
      '',
      { authorization: HOOK_SECRET, 'x-okta-verification-challenge': 'vErIfY-me-123' },
      2,
    );
    expect(first!.statusCode).toBe(200);
    expect(first!.json()).toEqual({ verification: 'vErIfY-me-123' });
    expect(again!.json()).toEqual({ verification: 'vErIfY-me-123' });
  });

  it('a delivery with the configured Authorization value is acknowledged and logged once', async () => {
    const user = anaUser();
    const d = fake.delivery(['user.lifecycle.suspend'], user);
    const [first, second] = await inject(d.body, { ...d.headers, authorization: HOOK_SECRET }, 2);
    expect(first!.json()).toEqual({
      received: true,
      duplicate: false,
      eventId: d.eventId,
      events: 1,
    });
    expect(second!.json()).toMatchObject({ duplicate: true, eventId: d.eventId });
    expect(logged).toEqual([
      {
        message: 'okta event hook event',
        fields: expect.objectContaining({
          eventType: 'user.lifecycle.suspend',
          targets: [`User:${user.id}`],
        }),
      },
    ]);
  });

  it('a wrong or missing Authorization header is refused with 401', async () => {
    const d = fake.delivery(['user.lifecycle.unsuspend'], anaUser());
    const [forged] = await inject(d.body, { ...d.headers, authorization: 'Basic bm9wZQ==' });
    const [missing] = await inject(d.body, d.headers);
    const [challenge] = await inject('', { 'x-okta-verification-challenge': 'x' });
    expect([forged!.statusCode, missing!.statusCode, challenge!.statusCode]).toEqual([
      401, 401, 401,
    ]);
    expect(logged).toEqual([]);
  });

  it('GET /webhooks/okta answers the verification Okta sends, with the Authorization value only', async () => {
    const app = await h.webhookApp();
    try {
      const get = (headers: Record<string, string>) =>
        app.inject({ method: 'GET', url: '/webhooks/okta', headers });
      const ok = await get({ authorization: HOOK_SECRET, 'x-okta-verification-challenge': 'abc' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ verification: 'abc' });
      const forged = await get({ authorization: 'nope', 'x-okta-verification-challenge': 'abc' });
      const bare = await get({ authorization: HOOK_SECRET });
      expect([forged.statusCode, bare.statusCode]).toEqual([401, 401]);
    } finally {
      await app.close();
    }
  });

  it('with no event hook secret configured every call is refused (503)', async () => {
    h = harness({ ARREARS_OKTA_EVENT_HOOK_SECRET: undefined });
    const [res] = await inject('', {
      authorization: HOOK_SECRET,
      'x-okta-verification-challenge': 'v',
    });
    expect(res!.statusCode).toBe(503);
  });
});

describe('okta connector: connectors test and subscribe', () => {
  it('GET /api/v1/users/me answers for a good token, and not for a bad one', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    expect(await harness({ ARREARS_OKTA_API_TOKEN: 'wrong' }).instance.verify()).toMatchObject({
      ok: false,
      detail: expect.stringContaining('401'),
    });
  });

  it('registers the event hook once and passes the GET verification Okta makes', async () => {
    // The real app listens: Okta's fake GETs /webhooks/okta with its challenge.
    const builder = connectorHarness(oktaConnector, {
      ARREARS_OKTA_ORG_URL: fake.url,
      ARREARS_OKTA_API_TOKEN: TOKEN,
      ARREARS_OKTA_EVENT_HOOK_SECRET: HOOK_SECRET,
    });
    const app = await builder.webhookApp();
    const publicUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const h = connectorHarness(
        oktaConnector,
        {
          ARREARS_OKTA_ORG_URL: fake.url,
          ARREARS_OKTA_API_TOKEN: TOKEN,
          ARREARS_OKTA_EVENT_HOOK_SECRET: HOOK_SECRET,
        },
        { publicUrl },
      );
      expect(await h.instance.subscribe!()).toMatchObject({ ok: true });
      expect(await h.instance.subscribe!()).toMatchObject({ ok: true });
      expect(fake.hooks.size).toBe(1);
      const [hook] = fake.hooks.values();
      expect(hook).toMatchObject({
        verificationStatus: 'VERIFIED',
        events: { type: 'EVENT_TYPE', items: expect.arrayContaining(['user.lifecycle.suspend']) },
        channel: {
          type: 'HTTP',
          version: '1.0.0',
          config: {
            uri: `${publicUrl}/webhooks/okta`,
            authScheme: { type: 'HEADER', key: 'Authorization', value: HOOK_SECRET },
          },
        },
      });
    } finally {
      await app.close();
    }
  });
});

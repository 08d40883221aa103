/**
 * The HubSpot connector against its fake over real HTTP (reference §5): one deal per lease
 * batch-upserted by `arrears_lease_id`, the tenant's contact by e-mail, a note or task per
 * action and reply; replays write nothing twice; tokens, limits, outages and refusals; the
 * v3-signed webhook.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorHarness, manifestProblems } from '../../../test/support/connectors.js';
import { fixedClock, type Clock } from '../../app/ports/clock.js';
import { publicEventOf, type PublicEvent } from '../../app/publish-events.js';
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { FAKE_HUBSPOT_TOKEN, startHubSpotFake, type HubSpotFake } from './fake-server.js';
import { hubspotConnector } from './index.js';
import { DEAL_PROPERTIES } from './map.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signHubSpotV3 } from './webhooks.js';

const CLIENT_SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
let fake: HubSpotFake;

afterEach(() => fake.close());

function harness(env: Record<string, string> = {}, clock?: Clock) {
  return connectorHarness(
    hubspotConnector,
    {
      ARREARS_HUBSPOT_ACCESS_TOKEN: FAKE_HUBSPOT_TOKEN,
      ARREARS_HUBSPOT_BASE_URL: fake.url,
      ARREARS_HUBSPOT_CLIENT_SECRET: CLIENT_SECRET,
      ...env,
    },
    clock ? { clock } : {},
  );
}

const CONTEXT: CaseContext = {
  leaseId: 'L1',
  unit: '12B',
  tenant: { id: 'T1', name: 'Ana Ruiz', email: 'ana@example.com', phone: '+14155550101' },
  property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
  balanceCents: 150000,
};

let seq = 0;
const AT = '2026-10-06T16:00:00.000Z';
function event(type: string, subject: string, data: object): PublicEvent {
  return publicEventOf('default', {
    seq: ++seq,
    at: AT,
    actor: 'system:scan',
    type,
    subject,
    data,
  })!;
}
const opened = (episode = 1) =>
  event('case.opened', 'lease:L1', {
    episode,
    opened: '2026-10-06',
    policy: 'residential-ca',
    policyVersion: 1,
  });
const sent = (stage = 'late-notice', action = 'sms') =>
  event('outbox.sent', `outbox:L1:1:${stage}:${action}`, {
    key: `L1:1:${stage}:${action}`,
    leaseId: 'L1',
    attempts: 1,
    provider: 'twilio',
  });
const failed = () =>
  event('outbox.failed', 'outbox:L1:1:late-notice:email', {
    key: 'L1:1:late-notice:email',
    leaseId: 'L1',
    attempts: 1,
    provider: 'sendgrid',
    reason: 'rejected: bounced address',
    code: 'bounce',
  });
const replied = () =>
  event('reply.received', 'lease:L1', {
    replyId: 'rp_1',
    channel: 'sms',
    intent: 'promise',
    status: 'matched',
    leaseId: 'L1',
    episode: 1,
  });
const closed = (outcome = 'paid') =>
  event('case.closed', 'lease:L1', { episode: 1, closed: '2026-10-20', outcome });

const apply = (
  h: ReturnType<typeof harness>,
  e: PublicEvent,
  context: CaseContext | null = CONTEXT,
) => h.instance.sink!.apply({ event: e, context } satisfies CaseEvent);

const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);

describe('hubspot connector', () => {
  beforeEach(async () => {
    fake = await startHubSpotFake({ clientSecret: CLIENT_SECRET });
  });

  it('has a valid manifest', () => {
    expect(manifestProblems(hubspotConnector)).toEqual([]);
  });

  describe('write-back (sink)', () => {
    it('a case opening upserts the contact by e-mail and the deal by arrears_lease_id, exactly', async () => {
      const h = harness();
      const e = opened();
      expect(await apply(h, e)).toEqual({ ok: true });
      expect(calls()).toEqual([
        'GET /crm/v3/objects/deals/L1',
        'POST /crm/v3/objects/contacts/batch/upsert',
        'POST /crm/v3/objects/deals/batch/upsert',
        expect.stringMatching(
          /^PUT \/crm\/v4\/objects\/deals\/\d+\/associations\/default\/contacts\/\d+$/,
        ),
      ]);
      const [get, contact, deal] = fake.requests;
      expect(get!.headers.authorization).toBe(`Bearer ${FAKE_HUBSPOT_TOKEN}`);
      expect(Object.fromEntries(get!.query)).toEqual({
        idProperty: 'arrears_lease_id',
        properties: DEAL_PROPERTIES.join(','),
        associations: 'notes,tasks',
      });
      expect(contact!.json).toEqual({
        inputs: [
          {
            idProperty: 'email',
            id: 'ana@example.com',
            properties: {
              email: 'ana@example.com',
              firstname: 'Ana',
              lastname: 'Ruiz',
              phone: '+14155550101',
            },
          },
        ],
      });
      expect(deal!.json).toEqual({
        inputs: [
          {
            idProperty: 'arrears_lease_id',
            id: 'L1',
            properties: {
              arrears_lease_id: 'L1',
              arrears_last_event_id: e.id,
              dealname: 'Arrears · Oak Court 12B',
              amount: '1500.00',
              arrears_episode: '1',
              arrears_status: 'open',
              dealstage: 'appointmentscheduled',
              pipeline: 'default',
              arrears_stage: '',
              arrears_last_action: '',
              arrears_outcome: '',
            },
          },
        ],
      });
      expect(fake.leaseStatus('L1')).toBe('open');
      expect(fake.records().L1!.contact).toMatchObject({ email: 'ana@example.com' });
    });

    it('follows the case: stage, notes per action and reply, a task per failure, closed with its outcome', async () => {
      const h = harness();
      expect(fake.leaseStatus('L1')).toBeUndefined();
      await apply(h, opened());
      expect(fake.leaseStatus('L1')).toBe('open');
      const s = sent();
      expect(await apply(h, s)).toEqual({ ok: true });
      const record = fake.records().L1!;
      expect(record.properties).toMatchObject({
        arrears_stage: 'late-notice',
        arrears_last_action: 'sms sent',
        arrears_status: 'open',
      });
      const note = fake.requests.find((r) => r.path === '/crm/v3/objects/notes')!;
      const contactId = [...fake.objects.contacts.keys()][0]!;
      expect(note.json).toEqual({
        properties: {
          hs_timestamp: AT,
          hs_note_body: `Arrears: sms sent at stage late-notice via twilio. [arrears ${s.id}]`,
        },
        associations: [
          {
            to: { id: record.dealId },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 214 }],
          },
          {
            to: { id: contactId },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }],
          },
        ],
      });
      await apply(h, replied());
      const f = failed();
      await apply(h, f);
      const task = fake.requests.find((r) => r.path === '/crm/v3/objects/tasks')!;
      expect(task.json).toMatchObject({
        properties: {
          hs_timestamp: AT,
          hs_task_subject: 'Arrears: email failed at stage late-notice',
          hs_task_body: `Reason: rejected (bounce). Follow up with the tenant. [arrears ${f.id}]`,
          hs_task_status: 'NOT_STARTED',
          hs_task_priority: 'HIGH',
          hs_task_type: 'TODO',
        },
        associations: [
          { types: [{ associationTypeId: 216 }] },
          { types: [{ associationTypeId: 204 }] },
        ],
      });
      expect(await apply(h, closed(), { ...CONTEXT, balanceCents: 0 })).toEqual({ ok: true });
      expect(fake.leaseStatus('L1')).toBe('closed');
      const done = fake.records().L1!;
      expect(done.properties).toMatchObject({
        arrears_status: 'closed',
        arrears_outcome: 'paid',
        dealstage: 'closedwon',
        pipeline: 'default',
        amount: '0.00',
        closedate: '2026-10-20T00:00:00.000Z',
      });
      expect(done.notes.map((n) => n.body)).toEqual([
        expect.stringContaining('sms sent'),
        expect.stringContaining('the tenant replied by sms (intent: promise)'),
      ]);
      expect(done.tasks).toHaveLength(1);
      expect(fake.objects.deals.size).toBe(1);
      expect(fake.objects.contacts.size).toBe(1);
    });

    it('a case closed otherwise (written off) lands in the lost stage', async () => {
      const h = harness();
      await apply(h, opened());
      await apply(h, closed('written_off'));
      expect(fake.records().L1!.properties).toMatchObject({
        arrears_outcome: 'written_off',
        dealstage: 'closedlost',
      });
    });

    it('re-applying an event changes nothing; an older event after a newer one is ignored', async () => {
      const h = harness();
      const o = opened();
      const s = sent();
      await apply(h, o);
      await apply(h, s);
      const before = JSON.stringify(fake.records());
      const count = fake.requests.length;

      expect(await apply(h, s)).toEqual({ ok: true });
      const replay = calls().slice(count);
      // The deal's last event is this one: its note is looked for, found, not created again.
      expect(replay).toContain('POST /crm/v3/objects/notes/batch/read');
      expect(replay).not.toContain('POST /crm/v3/objects/notes');
      expect(JSON.stringify(fake.records())).toBe(before);

      const count2 = fake.requests.length;
      expect(await apply(h, o)).toEqual({ ok: true });
      expect(calls().slice(count2)).toEqual(['GET /crm/v3/objects/deals/L1']);
      expect(JSON.stringify(fake.records())).toBe(before);
    });

    it('a note whose creation failed is created on the next try, once', async () => {
      const h = harness();
      await apply(h, opened());
      fake.fault(1, { status: 502, path: /^\/crm\/v3\/objects\/notes$/ });
      const s = sent();
      const first = await apply(h, s);
      expect(first).toMatchObject({ ok: false, retryable: true });
      expect(fake.records().L1!.notes).toHaveLength(0);
      expect(await apply(h, s)).toEqual({ ok: true });
      expect(await apply(h, s)).toEqual({ ok: true });
      expect(fake.records().L1!.notes).toHaveLength(1);
    });

    it('a new episode reopens the same deal', async () => {
      const h = harness();
      await apply(h, opened(1));
      await apply(h, sent());
      await apply(h, closed());
      await apply(h, opened(2));
      expect(fake.objects.deals.size).toBe(1);
      expect(fake.records().L1!.properties).toMatchObject({
        arrears_status: 'open',
        arrears_episode: '2',
        arrears_stage: '',
        arrears_outcome: '',
        dealstage: 'appointmentscheduled',
      });
    });

    it('an erased lease still closes its deal; one that never had a deal is left alone', async () => {
      const h = harness();
      await apply(h, opened());
      expect(await apply(h, closed('moved_out'), null)).toEqual({ ok: true });
      expect(fake.leaseStatus('L1')).toBe('closed');
      const other = event('case.closed', 'lease:L9', { episode: 1, closed: '2026-10-20' });
      expect(await apply(h, other, null)).toEqual({ ok: true });
      expect(fake.leaseStatus('L9')).toBeUndefined();
    });

    it('serves the date-versioned object paths when API_VERSION is a date', async () => {
      const h = harness({ ARREARS_HUBSPOT_API_VERSION: '2026-03' });
      await apply(h, opened());
      expect(calls().slice(0, 3)).toEqual([
        'GET /crm/objects/2026-03/deals/L1',
        'POST /crm/objects/2026-03/contacts/batch/upsert',
        'POST /crm/objects/2026-03/deals/batch/upsert',
      ]);
      expect(fake.leaseStatus('L1')).toBe('open');
    });
  });

  describe('refusals, limits and outages', () => {
    it('a property the portal lacks is refused as HubSpot words it, and skipped (not retried)', async () => {
      await fake.close();
      fake = await startHubSpotFake({
        dealProperties: DEAL_PROPERTIES.filter((p) => p !== 'arrears_stage'),
      });
      const out = await apply(harness(), opened());
      expect(out).toEqual({
        ok: false,
        retryable: false,
        reason: expect.stringContaining(
          'upserting the deal: HTTP 400 VALIDATION_ERROR Property "arrears_stage" does not exist',
        ),
      });
    });

    it('a note without its required hs_timestamp is refused with VALIDATION_ERROR', async () => {
      const res = await fetch(`${fake.url}/crm/v3/objects/notes`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${FAKE_HUBSPOT_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ properties: { hs_note_body: 'hello' } }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        status: 'error',
        message: 'Error creating NOTE.  Some required properties were not set.',
        category: 'VALIDATION_ERROR',
        context: { properties: ['hs_timestamp'] },
      });
    });

    it('a bad token is 401 INVALID_AUTHENTICATION: the stream waits for the credentials', async () => {
      const h = harness({ ARREARS_HUBSPOT_ACCESS_TOKEN: 'pat-na1-wrong' });
      expect(await apply(h, opened())).toEqual({
        ok: false,
        retryable: true,
        reason: expect.stringContaining('HTTP 401 INVALID_AUTHENTICATION'),
      });
      expect(await h.instance.verify()).toMatchObject({ ok: false });
    });

    it('429 (the 10-second window) is backed off and retried, then succeeds', async () => {
      const h = harness();
      fake.rateLimitNext(1);
      expect(await apply(h, opened())).toEqual({ ok: true });
      expect(calls().slice(0, 2)).toEqual([
        'GET /crm/v3/objects/deals/L1',
        'GET /crm/v3/objects/deals/L1',
      ]);
      expect(fake.leaseStatus('L1')).toBe('open');
    });

    it('a spent daily allowance holds the stream for an hour', async () => {
      const h = harness();
      fake.rateLimitNext(1, true);
      expect(await apply(h, opened())).toEqual({
        ok: false,
        retryable: true,
        retryAfterMs: 3_600_000,
        reason: expect.stringContaining('HTTP 429 RATE_LIMITS'),
      });
    });

    it('a 5xx on an upsert is retried, then succeeds, with one deal', async () => {
      const h = harness();
      fake.fault(2, { status: 502, path: /batch\/upsert$/ });
      expect(await apply(h, opened())).toEqual({ ok: true });
      expect(fake.objects.deals.size).toBe(1);
      expect(fake.objects.contacts.size).toBe(1);
    });
  });

  describe('auth and token refresh (OAuth)', () => {
    const oauthEnv = {
      ARREARS_HUBSPOT_ACCESS_TOKEN: 'oauth-stale-token',
      ARREARS_HUBSPOT_CLIENT_ID: 'fake-client-id',
      ARREARS_HUBSPOT_REFRESH_TOKEN: 'fake-refresh-token',
    };

    it('a refused access token is renewed with the refresh token once, and the call repeated', async () => {
      const h = harness(oauthEnv);
      expect(await apply(h, opened())).toEqual({ ok: true });
      const token = fake.requests.find((r) => r.path === '/oauth/v1/token')!;
      expect(token.form).toEqual({
        grant_type: 'refresh_token',
        client_id: 'fake-client-id',
        client_secret: CLIENT_SECRET,
        refresh_token: 'fake-refresh-token',
      });
      expect(calls().slice(0, 3)).toEqual([
        'GET /crm/v3/objects/deals/L1',
        'POST /oauth/v1/token',
        'GET /crm/v3/objects/deals/L1',
      ]);
      expect(fake.requests[2]!.headers.authorization).toBe(`Bearer ${fake.issuedTokens[0]}`);
      expect(fake.issuedTokens).toHaveLength(1);

      // HubSpot expires it (401 EXPIRED_AUTHENTICATION): renewed again.
      fake.expireTokens();
      expect(await apply(h, sent())).toEqual({ ok: true });
      expect(fake.issuedTokens).toHaveLength(2);
      expect(fake.records().L1!.notes).toHaveLength(1);
    });

    it('renews ahead of the stated expiry, and keeps a rotated refresh token (with a warning)', async () => {
      await fake.close();
      fake = await startHubSpotFake({ clientSecret: CLIENT_SECRET, rotateRefreshTokens: true });
      const clock = fixedClock(Date.now());
      const warnings: string[] = [];
      const log: ConnectorLog = { info() {}, warn: (_f, m) => void warnings.push(m) };
      const h = harness(oauthEnv, clock);
      const instance = hubspotConnector.create({ ...h.ctx, log });
      await instance.sink!.apply({ event: opened(), context: CONTEXT });
      expect(warnings.join()).toContain('new refresh token');
      clock.advance(31 * 60_000);
      const before = fake.requests.length;
      await instance.sink!.apply({ event: sent(), context: CONTEXT });
      expect(calls().slice(before, before + 2)).toEqual([
        'POST /oauth/v1/token',
        'GET /crm/v3/objects/deals/L1',
      ]);
      expect(fake.requests[before]!.form.refresh_token).not.toBe('fake-refresh-token');
      expect(fake.issuedTokens).toHaveLength(2);
    });

    it('a refused renewal leaves the stream waiting, and verify says why', async () => {
      const h = harness({ ...oauthEnv, ARREARS_HUBSPOT_REFRESH_TOKEN: 'revoked' });
      expect(await apply(h, opened())).toMatchObject({
        ok: false,
        retryable: true,
        reason: expect.stringContaining('HTTP 401'),
      });
      const v = await h.instance.verify();
      expect(v.ok).toBe(false);
      expect(v.detail).toContain('BAD_REFRESH_TOKEN');
    });

    it('a refresh token without the client id is a configuration error', () => {
      expect(() =>
        harness({
          ARREARS_HUBSPOT_ACCESS_TOKEN: 'x',
          ARREARS_HUBSPOT_REFRESH_TOKEN: 'r',
        }),
      ).toThrow(/CLIENT_ID/);
    });
  });

  describe('verify', () => {
    it('is ok when the token works and arrears_lease_id is a unique deal property', async () => {
      expect(await harness().instance.verify()).toMatchObject({ ok: true });
    });

    it('says what to create when the portal lacks the property', async () => {
      await fake.close();
      fake = await startHubSpotFake({ dealProperties: [] });
      const v = await harness().instance.verify();
      expect(v).toMatchObject({ ok: false });
      expect(v.detail).toContain('create the deal property arrears_lease_id');
    });
  });
});

describe('hubspot webhook (X-HubSpot-Signature-v3)', () => {
  // HubSpot's own example delivery; the signature computed independently with
  // `printf '%s' "POST<uri><body><timestamp>" | openssl dgst -sha256 -hmac <secret> -binary | base64`.
  const BODY =
    '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
  const TIMESTAMP = '1796486400000'; // 2026-12-05T16:00:00Z
  const VECTOR = 'IpYueYHQtgc/wudvSNRx0KRDAuq8mNbMxlF/RJsaJrA=';
  const clock = fixedClock(Number(TIMESTAMP) + 30_000);

  beforeEach(async () => {
    fake = await startHubSpotFake({ clientSecret: CLIENT_SECRET });
    clock.set(Number(TIMESTAMP) + 30_000);
  });

  async function post(
    raw: string,
    headers: Record<string, string>,
    env: Record<string, string> = {},
    url = '/webhooks/hubspot',
  ) {
    const app = await harness(env, clock).webhookApp();
    try {
      return await app.inject({
        method: 'POST',
        url,
        payload: raw,
        headers: { 'content-type': 'application/json', ...headers },
      });
    } finally {
      await app.close();
    }
  }
  const signed = (sig = VECTOR, ts = TIMESTAMP) => ({
    [SIGNATURE_HEADER]: sig,
    [TIMESTAMP_HEADER]: ts,
  });

  it('computes the documented signature (fixed vector)', () => {
    expect(
      signHubSpotV3(
        CLIENT_SECRET,
        'POST',
        'https://arrears.example.com/webhooks/hubspot',
        BODY,
        TIMESTAMP,
      ),
    ).toBe(VECTOR);
    // The documented percent-encoded characters are decoded before signing.
    expect(
      signHubSpotV3(
        CLIENT_SECRET,
        'POST',
        'https://arrears.example.com/webhooks/hubspot?app=arrears%3aeu',
        '[]',
        TIMESTAMP,
      ),
    ).toBe('qC2etMepkMraebWGEhXhjlKSGJipqRDOn9vsZkongws=');
  });

  it('accepts a signed delivery and acknowledges its events', async () => {
    const res = await post(BODY, signed());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      received: true,
      duplicate: false,
      eventId: '62515:1',
      events: 1,
      types: ['contact.creation'],
    });
  });

  it('signs the full URL it was called at, query included', async () => {
    const res = await post(
      '[]',
      signed('qC2etMepkMraebWGEhXhjlKSGJipqRDOn9vsZkongws='),
      {},
      '/webhooks/hubspot?app=arrears%3Aeu',
    );
    expect(res.statusCode).toBe(200);
  });

  it('refuses a forged, a tampered and a stale delivery with 401', async () => {
    const forged = signHubSpotV3(
      'not-the-secret',
      'POST',
      'https://arrears.example.com/webhooks/hubspot',
      BODY,
      TIMESTAMP,
    );
    expect((await post(BODY, signed(forged))).statusCode).toBe(401);
    expect(
      (await post(BODY.replace('"objectId":123', '"objectId":124'), signed())).statusCode,
    ).toBe(401);
    expect((await post(BODY, { [SIGNATURE_HEADER]: VECTOR })).statusCode).toBe(401);
    clock.set(Number(TIMESTAMP) + 5 * 60_000 + 1);
    const stale = await post(BODY, signed());
    expect(stale.statusCode).toBe(401);
    expect(stale.json().detail).toContain('timestamp too old');
  });

  it('handles the same delivery once', async () => {
    const app = await harness({}, clock).webhookApp();
    try {
      const send = () =>
        app.inject({
          method: 'POST',
          url: '/webhooks/hubspot',
          payload: BODY,
          headers: { 'content-type': 'application/json', ...signed() },
        });
      expect((await send()).json()).toMatchObject({ duplicate: false });
      expect((await send()).json()).toMatchObject({ duplicate: true });
    } finally {
      await app.close();
    }
  });

  it('is refused (503) without a client secret', async () => {
    const app = await connectorHarness(
      hubspotConnector,
      { ARREARS_HUBSPOT_ACCESS_TOKEN: FAKE_HUBSPOT_TOKEN, ARREARS_HUBSPOT_BASE_URL: fake.url },
      { clock },
    ).webhookApp();
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/hubspot',
        payload: BODY,
        headers: { 'content-type': 'application/json', ...signed() },
      });
      expect(res.statusCode).toBe(503);
    } finally {
      await app.close();
    }
  });

  it('the fake signs its deliveries the way the webhook checks them', async () => {
    const app = await harness({}, { now: () => Date.now() }).webhookApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as { port: number };
      const res = await fake.sendWebhook(
        `http://127.0.0.1:${port}/webhooks/hubspot`,
        [{ eventId: 7, portalId: 62515, subscriptionType: 'contact.propertyChange', objectId: 5 }],
        { clientSecret: CLIENT_SECRET, signedUrl: 'https://arrears.example.com/webhooks/hubspot' },
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({ eventId: '62515:7', events: 1 });
    } finally {
      await app.close();
    }
  });
});

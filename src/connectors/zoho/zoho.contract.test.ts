import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import { publicEventOf, type AuditFeedEntry } from '../../app/publish-events.js';
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import { startZohoFake, type ZohoFake } from './fake-server.js';
import { zohoConnector, type ZohoInstance } from './index.js';
import { zohoErrorOf } from './map.js';

const CLIENT_ID = '1000.8CZ1KQ9X0EXAMPLEQ5Y3';
const CLIENT_SECRET = 'zoho-client-secret';
const REFRESH_TOKEN = '1000.3ph66exampleb1f.6e1e4example86f6';
const NOTIFY_TOKEN = 'arrears-zoho-notify-2f9c';
const CHANNEL_ID = '7730000000001';

let fake: ZohoFake;
beforeEach(async () => {
  fake = await startZohoFake({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    refreshToken: REFRESH_TOKEN,
  });
});
afterEach(() => fake.close());

const env = (over: Record<string, string | undefined> = {}) => ({
  ARREARS_ZOHO_CLIENT_ID: CLIENT_ID,
  ARREARS_ZOHO_CLIENT_SECRET: CLIENT_SECRET,
  ARREARS_ZOHO_REFRESH_TOKEN: REFRESH_TOKEN,
  ARREARS_ZOHO_ACCOUNTS_URL: fake.url,
  ARREARS_ZOHO_BASE_URL: fake.url,
  ARREARS_ZOHO_NOTIFY_TOKEN: NOTIFY_TOKEN,
  ...over,
});
const harness = (over: Record<string, string | undefined> = {}) =>
  connectorHarness(zohoConnector, env(over));
const sinkOf = (h: ReturnType<typeof harness>) => h.instance.sink!;

const CONTEXT: CaseContext = {
  leaseId: 'L1',
  unit: '12B',
  tenant: { id: 'T1', name: 'Ana Ruiz', email: 'ana@example.com', phone: '+14155550101' },
  property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
  balanceCents: 120050,
};

let seq = 100;
function event(type: string, data: Record<string, unknown>, subject = 'lease:L1'): CaseEvent {
  const entry: AuditFeedEntry = {
    seq: ++seq,
    at: '2026-10-06T16:00:00.000Z',
    actor: 'system:scan',
    type,
    subject,
    data,
  };
  return { event: publicEventOf('default', entry)!, context: CONTEXT };
}
const opened = () =>
  event('case.opened', { episode: 1, opened: '2026-10-06', policy: 'oak-court', policyVersion: 3 });
const failed = () =>
  event(
    'outbox.failed',
    {
      key: 'L1:1:late-notice:sms',
      leaseId: 'L1',
      attempts: 2,
      provider: 'twilio',
      reason: 'rejected: 21610 unsubscribed recipient',
      code: '21610',
    },
    'outbox:L1:1:late-notice:sms',
  );
const closed = () => event('case.closed', { episode: 1, closed: '2026-10-20', outcome: 'paid' });

const apiCalls = () =>
  fake.requests
    .filter((r) => r.path.startsWith('/crm/'))
    .map((r) => `${r.method} ${r.path}${r.query.size ? `?${r.query.toString()}` : ''}`);

describe('Zoho connector: manifest, auth and verify', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(zohoConnector)).toEqual([]);
  });

  it('verify refreshes an access token and reads the current user with Zoho-oauthtoken', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    const [tokenReq, user] = fake.requests;
    expect(tokenReq!.path).toBe('/oauth/v2/token');
    expect(tokenReq!.form).toEqual({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
    });
    expect(user!.path).toBe('/crm/v8/users');
    expect(user!.query.get('type')).toBe('CurrentUser');
    expect(user!.headers.authorization).toMatch(/^Zoho-oauthtoken 1000\./);
  });

  it('verify is not ok with a revoked refresh token (Accounts answers invalid_code)', async () => {
    const result = await harness({ ARREARS_ZOHO_REFRESH_TOKEN: 'revoked' }).instance.verify();
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('invalid_code');
    expect(result.detail).not.toContain('revoked');
  });

  it('verify is not ok with a bad client secret (invalid_client)', async () => {
    const result = await harness({ ARREARS_ZOHO_CLIENT_SECRET: 'nope' }).instance.verify();
    expect(result).toMatchObject({ ok: false });
    expect(result.detail).toContain('invalid_client');
  });

  it('reuses the access token, and refreshes it once when the API answers INVALID_TOKEN', async () => {
    const h = harness();
    expect(await sinkOf(h).apply(opened())).toEqual({ ok: true });
    expect(fake.tokensIssued).toBe(1);
    fake.expireTokens();
    expect(await sinkOf(h).apply(failed())).toEqual({ ok: true });
    expect(fake.tokensIssued).toBe(2);
    const refused = fake.requests.filter((r) => r.path.startsWith('/crm/'));
    expect(refused.filter((r) => r.path.endsWith('/upsert'))).toHaveLength(3);
  });

  it('a write-back with refused credentials waits (retryable)', async () => {
    const outcome = await sinkOf(harness({ ARREARS_ZOHO_REFRESH_TOKEN: 'revoked' })).apply(
      opened(),
    );
    expect(outcome).toMatchObject({ ok: false, retryable: true });
  });
});

describe('Zoho connector: the case sink', () => {
  it('case.opened upserts the Cases record on Arrears_Lease_Case and adds one note', async () => {
    const e = opened();
    expect(await sinkOf(harness()).apply(e)).toEqual({ ok: true });
    const record = fake.caseByKey('L1:1')!;
    expect(apiCalls()).toEqual([
      'POST /crm/v8/Cases/upsert',
      `GET /crm/v8/Cases/${record.id}/Notes?fields=Note_Title&per_page=200&page=1`,
      `POST /crm/v8/Cases/${record.id}/Notes`,
    ]);
    const [upsert, , note] = fake.requests.filter((r) => r.path.startsWith('/crm/'));
    expect(upsert!.json).toEqual({
      data: [
        {
          Arrears_Lease_Case: 'L1:1',
          Arrears_Lease_Id: 'L1',
          Arrears_Episode: 1,
          Arrears_Last_Event: e.event.id,
          Subject: 'Arrears Ana Ruiz — unit 12B (L1 #1)',
          Arrears_Balance: 1200.5,
          Arrears_Tenant: 'Ana Ruiz',
          Arrears_Property: 'Oak Court',
          Arrears_Unit: '12B',
          Status: 'New',
          Case_Origin: 'Web',
          Arrears_Opened_On: '2026-10-06',
        },
      ],
      duplicate_check_fields: ['Arrears_Lease_Case'],
      trigger: ['workflow'],
    });
    expect(note!.json).toEqual({
      data: [
        {
          Note_Title: `Arrears case opened [${e.event.id}]`,
          Note_Content:
            'Episode 1 opened on 2026-10-06 under policy oak-court v3. Balance $1,200.50.',
        },
      ],
    });
  });

  it('the same event applied twice writes one record and one note', async () => {
    const h = harness();
    const e = opened();
    expect(await sinkOf(h).apply(e)).toEqual({ ok: true });
    expect(await sinkOf(h).apply(e)).toEqual({ ok: true });
    expect(fake.records.size).toBe(1);
    expect(fake.notes.size).toBe(1);
    expect(apiCalls().filter((c) => c.startsWith('POST') && c.endsWith('/Notes'))).toHaveLength(1);
  });

  it('an action never touches Status; case.closed sets Closed and the outcome', async () => {
    const h = harness();
    await sinkOf(h).apply(opened());
    expect(await sinkOf(h).apply(failed())).toEqual({ ok: true });
    const upserts = fake.requests.filter((r) => r.path.endsWith('/upsert'));
    const actionRecord = (upserts[1]!.json as { data: Record<string, unknown>[] }).data[0]!;
    expect(actionRecord).not.toHaveProperty('Status');
    expect(actionRecord).toMatchObject({
      Arrears_Stage: 'late-notice',
      Arrears_Last_Action: 'late-notice/sms failed',
    });
    const failureNote = [...fake.notes.values()].at(-1)!;
    expect(failureNote.Note_Content).toContain('Reason: rejected (provider code 21610).');
    expect(await sinkOf(h).apply(closed())).toEqual({ ok: true });
    expect(fake.caseByKey('L1:1')).toMatchObject({
      Status: 'Closed',
      Arrears_Outcome: 'paid',
      Arrears_Closed_On: '2026-10-20',
      Arrears_Stage: 'late-notice',
    });
    expect(fake.notes.size).toBe(3);
  });

  it('an erased lease’s close never creates a record (no Subject: Zoho refuses the insert)', async () => {
    expect(await sinkOf(harness()).apply({ ...closed(), context: null })).toEqual({ ok: true });
    expect(fake.records.size).toBe(0);
  });

  it('the notes check follows more_records across pages before writing', async () => {
    const h = harness();
    await sinkOf(h).apply(opened());
    const caseId = fake.caseByKey('L1:1')!.id;
    for (let i = 0; i < 200; i++)
      fake.notes.set(`n${i}`, {
        id: `n${i}`,
        caseId,
        Note_Title: `staff note ${i}`,
        Note_Content: '.',
      });
    fake.requests.length = 0;
    expect(await sinkOf(h).apply(failed())).toEqual({ ok: true });
    expect(apiCalls()).toEqual([
      'POST /crm/v8/Cases/upsert',
      `GET /crm/v8/Cases/${caseId}/Notes?fields=Note_Title&per_page=200&page=1`,
      `GET /crm/v8/Cases/${caseId}/Notes?fields=Note_Title&per_page=200&page=2`,
      `POST /crm/v8/Cases/${caseId}/Notes`,
    ]);
  });

  it('a 429 is retried, then succeeds', async () => {
    fake.failNext(
      1,
      429,
      { 'retry-after': '0' },
      {
        code: 'TOO_MANY_REQUESTS',
        details: {},
        message: 'Too many requests',
        status: 'error',
      },
    );
    expect(await sinkOf(harness()).apply(opened())).toEqual({ ok: true });
    expect(fake.records.size).toBe(1);
  });

  it('a 429 asking for a long wait holds the cursor with that wait', async () => {
    fake.fault(1, {
      status: 429,
      headers: { 'retry-after': '90' },
      body: {
        code: 'TOO_MANY_REQUESTS',
        details: {},
        message: 'Too many requests',
        status: 'error',
      },
      path: /upsert/,
    });
    const outcome = await sinkOf(harness()).apply(opened());
    expect(outcome).toMatchObject({ ok: false, retryable: true, retryAfterMs: 90_000 });
    expect((outcome as { reason: string }).reason).toContain('TOO_MANY_REQUESTS');
  });

  it('a 5xx on the upsert is retried (it is keyed), then succeeds', async () => {
    fake.fault(1, {
      status: 500,
      body: {
        code: 'INTERNAL_ERROR',
        details: {},
        message: 'Internal Server Error',
        status: 'error',
      },
      path: /upsert/,
    });
    expect(await sinkOf(harness()).apply(opened())).toEqual({ ok: true });
    expect(fake.records.size).toBe(1);
  });

  it('a 5xx on the notes listing is retried (a read), then the note is written once', async () => {
    fake.fault(1, {
      status: 500,
      body: {
        code: 'INTERNAL_ERROR',
        details: {},
        message: 'Internal Server Error',
        status: 'error',
      },
      path: /Notes$/,
    });
    expect(await sinkOf(harness()).apply(opened())).toEqual({ ok: true });
    expect(fake.notes.size).toBe(1);
  });

  it('a note whose answer was lost is not written twice: the next pass finds it', async () => {
    const h = harness();
    const e = opened();
    fake.failNoteCreation(1, true);
    const first = await sinkOf(h).apply(e);
    expect(first).toMatchObject({ ok: false, retryable: true });
    expect((first as { reason: string }).reason).toContain('INTERNAL_ERROR');
    expect(await sinkOf(h).apply(e)).toEqual({ ok: true });
    expect(fake.notes.size).toBe(1);
    expect(apiCalls().filter((c) => c.startsWith('POST') && c.endsWith('/Notes'))).toHaveLength(1);
  });
});

describe('Zoho connector: required fields and writeback actions', () => {
  it('a case without its mandatory Subject is refused MANDATORY_NOT_FOUND', async () => {
    const client = (harness().instance as ZohoInstance).client;
    const res = await client.upsertCase({ Arrears_Lease_Case: 'L9:1' });
    expect(res.status).toBe(400);
    expect(zohoErrorOf(res.json)).toEqual({
      code: 'MANDATORY_NOT_FOUND',
      message: 'required field not found (Subject)',
    });
  });

  const item = (fields: Record<string, string>) =>
    outboxItem({
      key: 'L1:1:pre-lien:crm',
      type: 'writeback',
      channel: null,
      stage: 'pre-lien',
      action: 'crm',
      contactId: null,
      payload: { target: 'zoho', fields },
    });

  it('a writeback action upserts its fields onto the case', async () => {
    const outcome = await harness().send('writeback:zoho', item({ Arrears_Stage: 'pre-lien' }));
    expect(outcome).toEqual({ tag: 'accepted', externalId: fake.caseByKey('L1:1')!.id });
    expect(fake.requests.at(-1)!.json).toEqual({
      data: [
        {
          Subject: 'Arrears L1 (#1)',
          Arrears_Lease_Case: 'L1:1',
          Arrears_Lease_Id: 'L1',
          Arrears_Episode: 1,
          Arrears_Stage: 'pre-lien',
        },
      ],
      duplicate_check_fields: ['Arrears_Lease_Case'],
      trigger: ['workflow'],
    });
  });

  it('a writeback that blanks the mandatory Subject is rejected with Zoho’s code', async () => {
    const outcome = await harness().send('writeback:zoho', item({ Subject: '' }));
    expect(outcome).toMatchObject({ tag: 'rejected', code: 'MANDATORY_NOT_FOUND' });
  });
});

describe('Zoho connector: Notification API webhook (echoed token)', () => {
  async function watchedCase(request: string) {
    const h = harness();
    expect(await h.instance.subscribe!()).toMatchObject({ ok: true });
    await sinkOf(h).apply(opened());
    const id = fake.caseByKey('L1:1')!.id;
    const notification = fake.staffEdit(id, {
      Arrears_Hold_Request: request,
      Arrears_Hold_Until: '2026-10-31',
    });
    return { h, id, notification, app: await h.webhookApp() };
  }
  const post = (app: Awaited<ReturnType<typeof watchedCase>>['app'], body: unknown) =>
    app.inject({
      method: 'POST',
      url: '/webhooks/zoho',
      payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  it('subscribe watches Cases.edit with our notify_url and token', async () => {
    const h = harness();
    expect(await h.instance.subscribe!()).toMatchObject({ ok: true });
    const watch = fake.requests.find((r) => r.path === '/crm/v8/actions/watch')!;
    expect(watch.json).toEqual({
      watch: [
        {
          channel_id: Number(CHANNEL_ID),
          events: ['Cases.edit'],
          notify_url: 'https://arrears.example.com/webhooks/zoho',
          token: NOTIFY_TOKEN,
          channel_expiry: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/),
        },
      ],
    });
  });

  it('a notification with our token is accepted; the case is read back into a hold event', async () => {
    const { h, id, notification, app } = await watchedCase('hold: promise');
    const res = await post(app, notification);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: true, duplicate: false, events: 1 });
    expect(h.inbound.events).toEqual([
      {
        id: `zoho:${id}:${fake.records.get(id)!.Modified_Time as string}`,
        type: 'hold',
        leaseId: 'L1',
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        hold: 'promise',
        until: '2026-10-31',
        by: 'zoho',
        note: 'requested in Zoho CRM (hold: promise)',
      },
    ]);
    const read = fake.requests.at(-1)!;
    expect(read.path).toBe(`/crm/v8/Cases/${id}`);
    expect(read.query.get('fields')).toBe(
      'Arrears_Lease_Case,Arrears_Hold_Request,Arrears_Hold_Until,Modified_Time',
    );
  });

  it('the fake delivers the notification over HTTP to the running app', async () => {
    const { h, notification, app } = await watchedCase('hold: legal');
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      fake.channels[0]!.notify_url = `${url}/webhooks/zoho`;
      const res = await fake.notify(notification);
      expect(res.status).toBe(200);
      expect(h.inbound.events).toEqual([expect.objectContaining({ type: 'hold', hold: 'legal' })]);
    } finally {
      await app.close();
    }
  });

  it('refuses a forged token, a tampered channel and a missing token with 401', async () => {
    const { h, notification, app } = await watchedCase('hold: dispute');
    expect((await post(app, { ...notification, token: 'guess' })).statusCode).toBe(401);
    expect((await post(app, { ...notification, channel_id: 1 })).statusCode).toBe(401);
    const { token: _token, ...withoutToken } = notification;
    expect((await post(app, withoutToken)).statusCode).toBe(401);
    expect(h.inbound.events).toEqual([]);
  });

  it('the same notification twice is handled once (second answer duplicate: true)', async () => {
    const { h, notification, app } = await watchedCase('release: dispute');
    expect((await post(app, notification)).json()).toMatchObject({ duplicate: false, events: 1 });
    expect((await post(app, notification)).json()).toMatchObject({ duplicate: true });
    expect(h.inbound.events).toEqual([
      expect.objectContaining({ type: 'release', hold: 'dispute' }),
    ]);
  });

  it('without NOTIFY_TOKEN the webhook is refused (503)', async () => {
    const h = harness({ ARREARS_ZOHO_NOTIFY_TOKEN: undefined });
    expect(h.instance.webhook!.secretConfigured).toBe(false);
    const res = await (
      await h.webhookApp()
    ).inject({
      method: 'POST',
      url: '/webhooks/zoho',
      payload: JSON.stringify({ channel_id: Number(CHANNEL_ID), token: NOTIFY_TOKEN, ids: [] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(503);
  });
});

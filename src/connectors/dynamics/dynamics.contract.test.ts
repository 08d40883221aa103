import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import { publicEventOf, type AuditFeedEntry } from '../../app/publish-events.js';
import { dynamicsConnector, type DynamicsInstance } from './index.js';
import {
  API_PATH,
  remoteExecutionContext,
  startDynamicsFake,
  type DynamicsFake,
} from './fake-server.js';
import { caseKeyOf, noteIdOf, odataErrorOf } from './map.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';
const SECRET = 'dyn~client~secret';
const WEBHOOK_KEY = 'whk-7c1e0d6a-contract';

let fake: DynamicsFake;
beforeEach(async () => {
  fake = await startDynamicsFake({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET });
});
afterEach(() => fake.close());

const env = (over: Record<string, string | undefined> = {}) => ({
  ARREARS_DYNAMICS_TENANT_ID: TENANT,
  ARREARS_DYNAMICS_CLIENT_ID: CLIENT_ID,
  ARREARS_DYNAMICS_CLIENT_SECRET: SECRET,
  ARREARS_DYNAMICS_ORG_URL: fake.orgUrl,
  ARREARS_DYNAMICS_TOKEN_URL: fake.tokenUrl,
  ARREARS_DYNAMICS_WEBHOOK_KEY: WEBHOOK_KEY,
  ...over,
});
const harness = (over: Record<string, string | undefined> = {}) =>
  connectorHarness(dynamicsConnector, env(over));
const sinkOf = (h: ReturnType<typeof harness>) => h.instance.sink!;

const CONTEXT: CaseContext = {
  leaseId: 'L1',
  unit: '12B',
  tenant: { id: 'T1', name: 'Ana Ruiz', email: 'ana@example.com', phone: '+14155550101' },
  property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
  balanceCents: 120050,
};

let seq = 0;
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
const sent = () =>
  event(
    'outbox.sent',
    { key: 'L1:1:late-notice:sms', leaseId: 'L1', attempts: 1, provider: 'twilio' },
    'outbox:L1:1:late-notice:sms',
  );
const closed = () => event('case.closed', { episode: 1, closed: '2026-10-20', outcome: 'paid' });

const api = (r: { path: string }) => r.path.startsWith(API_PATH);
const calls = () =>
  fake.requests.filter(api).map((r) => `${r.method} ${r.path.slice(API_PATH.length)}`);

describe('Dynamics connector: manifest, auth and verify', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(dynamicsConnector)).toEqual([]);
  });

  it('verify gets a client-credentials token for {ORG_URL}/.default and calls WhoAmI', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    const [tokenReq, who] = fake.requests;
    expect(tokenReq!.path).toBe(`/${TENANT}/oauth2/v2.0/token`);
    expect(tokenReq!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenReq!.form).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: SECRET,
      scope: `${fake.orgUrl}/.default`,
    });
    expect(who!.path).toBe(`${API_PATH}/WhoAmI`);
    expect(who!.headers.authorization).toMatch(/^Bearer eyJ/);
    expect(who!.headers['odata-version']).toBe('4.0');
    expect(who!.headers['odata-maxversion']).toBe('4.0');
  });

  it('verify is not ok with a bad client secret, naming Entra’s error', async () => {
    const result = await harness({ ARREARS_DYNAMICS_CLIENT_SECRET: 'wrong' }).instance.verify();
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('invalid_client');
    expect(result.detail).toContain('AADSTS7000215');
    expect(result.detail).not.toContain('wrong');
  });

  it('reuses the token, and renews it once when the Web API answers 401', async () => {
    const h = harness();
    expect(await sinkOf(h).apply(opened())).toEqual({ ok: true });
    expect(fake.tokensIssued).toBe(1);
    fake.expireTokens();
    expect(await sinkOf(h).apply(sent())).toEqual({ ok: true });
    expect(fake.tokensIssued).toBe(2);
    const statuses = fake.requests.filter(api).map((r) => r.headers.authorization);
    expect(new Set(statuses).size).toBe(2);
  });

  it('a write-back with refused credentials waits (retryable), never skips the event', async () => {
    const outcome = await sinkOf(harness({ ARREARS_DYNAMICS_CLIENT_SECRET: 'wrong' })).apply(
      opened(),
    );
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect((outcome as { reason: string }).reason).toContain('invalid_client');
  });
});

describe('Dynamics connector: the case sink', () => {
  it('case.opened upserts the row by alternate key and adds one note, exactly as documented', async () => {
    const e = opened();
    expect(await sinkOf(harness()).apply(e)).toEqual({ ok: true });
    const [row, note] = fake.requests.filter((r) => api(r) && r.method === 'PATCH');
    expect(row!.path).toBe(`${API_PATH}/arrears_cases(arrears_leasecase='L1%3A1')`);
    expect(row!.headers['if-match']).toBeUndefined();
    expect(row!.headers['if-none-match']).toBeUndefined();
    expect(row!.headers['content-type']).toBe('application/json');
    expect(row!.json).toEqual({
      arrears_name: 'Arrears Ana Ruiz — unit 12B (L1 #1)',
      arrears_leasecase: 'L1:1',
      arrears_leaseid: 'L1',
      arrears_episode: 1,
      arrears_balance: 1200.5,
      arrears_tenantname: 'Ana Ruiz',
      arrears_propertyname: 'Oak Court',
      arrears_unit: '12B',
      arrears_lasteventid: e.event.id,
      arrears_status: 'open',
      arrears_openedon: '2026-10-06',
    });
    const stored = fake.rowByKey('L1:1')!;
    expect(note!.path).toBe(`${API_PATH}/annotations(${noteIdOf(e.event.id)})`);
    expect(note!.headers['if-none-match']).toBe('*');
    expect(note!.json).toEqual({
      subject: 'Arrears case opened',
      notetext: 'Episode 1 opened on 2026-10-06 under policy oak-court v3. Balance $1,200.50.',
      'objectid_arrears_case@odata.bind': `/arrears_cases(${stored.id})`,
    });
    expect(fake.notes.size).toBe(1);
  });

  it('the same event applied twice writes one row and one note (412 on the second note)', async () => {
    const h = harness();
    const e = opened();
    expect(await sinkOf(h).apply(e)).toEqual({ ok: true });
    expect(await sinkOf(h).apply(e)).toEqual({ ok: true });
    expect(fake.rows.size).toBe(1);
    expect(fake.notes.size).toBe(1);
    expect(calls()).toEqual([
      "PATCH /arrears_cases(arrears_leasecase='L1%3A1')",
      `PATCH /annotations(${noteIdOf(e.event.id)})`,
      "PATCH /arrears_cases(arrears_leasecase='L1%3A1')",
      `PATCH /annotations(${noteIdOf(e.event.id)})`,
    ]);
  });

  it('an action sets the stage without touching the status; case.closed deactivates the row', async () => {
    const h = harness();
    await sinkOf(h).apply(opened());
    const action = sent();
    expect(await sinkOf(h).apply(action)).toEqual({ ok: true });
    const afterAction = fake.requests.filter((r) => api(r) && r.method === 'PATCH')[2]!;
    expect(afterAction.json).not.toHaveProperty('arrears_status');
    expect(afterAction.json).toMatchObject({
      arrears_stage: 'late-notice',
      arrears_lastaction: 'late-notice/sms sent',
    });
    expect(await sinkOf(h).apply(closed())).toEqual({ ok: true });
    const row = fake.rowByKey('L1:1')!;
    expect(row).toMatchObject({
      arrears_status: 'closed',
      arrears_outcome: 'paid',
      arrears_closedon: '2026-10-20',
      arrears_stage: 'late-notice',
      statecode: 1,
      statuscode: 2,
    });
    const deactivate = fake.requests.find(
      (r) => r.path === `${API_PATH}/arrears_cases(${row.id})`,
    )!;
    expect(deactivate.headers['if-match']).toBe('*');
    expect(deactivate.json).toEqual({ statecode: 1, statuscode: 2 });
    expect(fake.notes.size).toBe(3);
  });

  it('an erased lease’s close updates only an existing row (If-Match: *, 404 is nothing to do)', async () => {
    const e = { ...closed(), context: null };
    expect(await sinkOf(harness()).apply(e)).toEqual({ ok: true });
    expect(fake.requests.filter(api)[0]!.headers['if-match']).toBe('*');
    expect(fake.rows.size).toBe(0);
  });

  it('a 429 with Retry-After is retried, then succeeds', async () => {
    fake.failNext(
      1,
      429,
      { 'retry-after': '0' },
      {
        error: {
          code: '0x80072322',
          message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
        },
      },
    );
    expect(await sinkOf(harness()).apply(opened())).toEqual({ ok: true });
    expect(fake.rows.size).toBe(1);
  });

  it('a 429 asking for a long wait holds the cursor with that wait', async () => {
    fake.fault(1, {
      status: 429,
      headers: { 'retry-after': '120' },
      body: { error: { code: '0x80072322', message: 'Number of requests exceeded the limit' } },
      path: /arrears_cases/,
    });
    const outcome = await sinkOf(harness()).apply(opened());
    expect(outcome).toMatchObject({ ok: false, retryable: true, retryAfterMs: 120_000 });
    expect((outcome as { reason: string }).reason).toContain('0x80072322');
  });

  it('a 5xx is retried (the upsert is idempotent), then succeeds', async () => {
    fake.fault(2, {
      status: 503,
      body: { error: { code: '0x80040216', message: 'busy' } },
      path: /api/,
    });
    expect(await sinkOf(harness()).apply(opened())).toEqual({ ok: true });
    expect(fake.rows.size).toBe(1);
    expect(fake.notes.size).toBe(1);
  });

  it('a refusal that will never pass is reported non-retryable with Dataverse’s code', async () => {
    fake.fault(1, {
      status: 400,
      body: { error: { code: '0x80060888', message: "Could not find a property named 'x'" } },
      path: /arrears_cases/,
    });
    const outcome = await sinkOf(harness()).apply(opened());
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect((outcome as { reason: string }).reason).toContain('0x80060888');
  });
});

describe('Dynamics connector: required columns and writeback actions', () => {
  it('a case row without its required name is refused by Dataverse (400, OData error)', async () => {
    const h = harness();
    const client = (h.instance as DynamicsInstance).client;
    const res = await client.writeCase(
      'arrears_cases',
      caseKeyOf('L9', 1)!,
      { arrears_episode: 1 },
      'upsert',
    );
    expect(res.status).toBe(400);
    expect(odataErrorOf(res.json)).toEqual({
      code: '0x80040203',
      message: "Attribute 'arrears_name' cannot be NULL",
    });
  });

  const writebackItem = (fields: Record<string, string>) =>
    outboxItem({
      key: 'L1:1:pre-lien:crm',
      type: 'writeback',
      channel: null,
      stage: 'pre-lien',
      action: 'crm',
      contactId: null,
      payload: { target: 'dynamics', fields },
    });

  it('a writeback action upserts its fields onto the case row', async () => {
    const outcome = await harness().send(
      'writeback:dynamics',
      writebackItem({ arrears_stage: 'pre-lien' }),
    );
    const row = fake.rowByKey('L1:1')!;
    expect(outcome).toEqual({ tag: 'accepted', externalId: row.id });
    expect(fake.requests.at(-1)!.json).toEqual({
      arrears_name: 'Arrears L1 (#1)',
      arrears_leasecase: 'L1:1',
      arrears_leaseid: 'L1',
      arrears_episode: 1,
      arrears_stage: 'pre-lien',
    });
  });

  it('a writeback naming a column the table lacks is rejected with Dataverse’s code', async () => {
    const outcome = await harness().send('writeback:dynamics', writebackItem({ new_flag: 'x' }));
    expect(outcome).toMatchObject({ tag: 'rejected', code: '0x80060888' });
  });
});

describe('Dynamics connector: webhook (RemoteExecutionContext, static key)', () => {
  async function rowWithHold(request: string) {
    const h = harness();
    await sinkOf(h).apply(opened());
    const id = fake.rowByKey('L1:1')!.id;
    const body = JSON.stringify(
      fake.staffEdit(id, { arrears_holdrequest: request, arrears_holduntil: '2026-10-31' }),
    );
    return { h, id, body, app: await h.webhookApp() };
  }
  const post = (
    app: Awaited<ReturnType<typeof rowWithHold>>['app'],
    body: string,
    url = `/webhooks/dynamics?code=${WEBHOOK_KEY}`,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-ms-dynamics-entity-name': 'arrears_case',
        ...headers,
      },
    });

  it('a hold request typed in Dynamics becomes a hold event, read back from the row', async () => {
    const { h, id, body, app } = await rowWithHold('hold: dispute');
    const res = await post(app, body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: true, duplicate: false, events: 1 });
    expect(h.inbound.events).toEqual([
      {
        id: `dynamics:${id}:${fake.rows.get(id)!.modifiedon as string}`,
        type: 'hold',
        leaseId: 'L1',
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        hold: 'dispute',
        until: '2026-10-31',
        by: 'dynamics',
        note: 'requested in Dynamics 365 (hold: dispute)',
      },
    ]);
    expect(fake.requests.at(-1)!.query.get('$select')).toBe(
      'arrears_leasecase,arrears_holdrequest,arrears_holduntil,modifiedon',
    );
  });

  it('the key may come as the HttpHeader registration’s header', async () => {
    const { h, body, app } = await rowWithHold('release: dispute');
    const res = await post(app, body, '/webhooks/dynamics', {
      'x-arrears-webhook-key': WEBHOOK_KEY,
    });
    expect(res.statusCode).toBe(200);
    expect(h.inbound.events[0]).toMatchObject({ type: 'release', hold: 'dispute' });
    expect(h.inbound.events[0]).not.toHaveProperty('until');
  });

  it('the fake delivers the context over HTTP to the running app (WebhookKey ?code=)', async () => {
    const { h, id, app } = await rowWithHold('hold: review');
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const context = remoteExecutionContext('arrears_case', id, {
        arrears_holdrequest: 'hold: review',
      });
      const res = await fake.deliver(`${url}/webhooks/dynamics`, WEBHOOK_KEY, context);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({ eventId: context.OperationId, events: 1 });
      expect(h.inbound.events).toEqual([expect.objectContaining({ type: 'hold', hold: 'review' })]);
    } finally {
      await app.close();
    }
  });

  it('refuses a missing, a forged and a tampered key with 401', async () => {
    const { h, body, app } = await rowWithHold('hold: dispute');
    expect((await post(app, body, '/webhooks/dynamics')).statusCode).toBe(401);
    expect((await post(app, body, '/webhooks/dynamics?code=guess')).statusCode).toBe(401);
    const tampered = WEBHOOK_KEY.slice(0, -1) + (WEBHOOK_KEY.endsWith('t') ? 'u' : 't');
    expect((await post(app, body, `/webhooks/dynamics?code=${tampered}`)).statusCode).toBe(401);
    expect(h.inbound.events).toEqual([]);
  });

  it('a body altered in transit cannot inject a hold: the row itself is read back', async () => {
    const { h, app } = await rowWithHold('');
    const id = fake.rowByKey('L1:1')!.id;
    const forgedBody = JSON.stringify(
      remoteExecutionContext('arrears_case', id, { arrears_holdrequest: 'hold: bankruptcy' }),
    );
    const res = await post(app, forgedBody);
    expect(res.json()).toMatchObject({ events: 0 });
    expect(h.inbound.events).toEqual([]);
  });

  it('the same delivery twice is handled once (second answer duplicate: true)', async () => {
    const { h, body, app } = await rowWithHold('hold: hardship');
    expect((await post(app, body)).json()).toMatchObject({ duplicate: false });
    expect((await post(app, body)).json()).toMatchObject({ duplicate: true });
    expect(h.inbound.events).toHaveLength(1);
  });

  it('without WEBHOOK_KEY the webhook is refused (503)', async () => {
    const h = harness({ ARREARS_DYNAMICS_WEBHOOK_KEY: undefined });
    expect(h.instance.webhook!.secretConfigured).toBe(false);
    const app = await h.webhookApp();
    const res = await app.inject({
      method: 'POST',
      url: `/webhooks/dynamics?code=${WEBHOOK_KEY}`,
      payload: JSON.stringify(remoteExecutionContext('arrears_case', 'x', {})),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(503);
  });
});

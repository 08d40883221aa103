/**
 * The Salesforce connector against its fake over real HTTP (reference §4): a Case per
 * arrears case upserted by Arrears_Lease_Case__c, a Task per action and reply found again
 * by its marker (every query page), the JWT bearer and client-credentials flows, session
 * expiry, REQUEST_LIMIT_EXCEEDED, outages and refusals in Salesforce's error array, and
 * the `writeback:salesforce` route.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import { publicEventOf, type PublicEvent } from '../../app/publish-events.js';
import type { CaseContext } from '../../app/write-back.js';
import {
  startSalesforceFake,
  type SalesforceFake,
  type SalesforceFakeOptions,
} from './fake-server.js';
import { salesforceConnector } from './index.js';

const USERNAME = 'arrears@oakcourt.example';
const CLIENT_ID = 'fake-consumer-key';
const CLIENT_SECRET = 'cc-secret';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

let fake: SalesforceFake;
async function start(o: SalesforceFakeOptions = {}) {
  fake = await startSalesforceFake({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    publicKey: keys.publicKey,
    username: USERNAME,
    ...o,
  });
}
beforeEach(() => start());
afterEach(() => fake.close());

const JWT_ENV = {
  ARREARS_SALESFORCE_CLIENT_ID: CLIENT_ID,
  ARREARS_SALESFORCE_USERNAME: USERNAME,
  // As an environment variable carries it: newlines escaped.
  ARREARS_SALESFORCE_PRIVATE_KEY: PRIVATE_PEM.replace(/\n/g, '\\n'),
};
const CC_ENV = {
  ARREARS_SALESFORCE_CLIENT_ID: CLIENT_ID,
  ARREARS_SALESFORCE_CLIENT_SECRET: CLIENT_SECRET,
};
const harness = (env: Record<string, string> = JWT_ENV) =>
  connectorHarness(salesforceConnector, { ...env, ARREARS_SALESFORCE_BASE_URL: fake.url });

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
const opened = () =>
  event('case.opened', 'lease:L1', {
    episode: 1,
    opened: '2026-10-06',
    policy: 'p',
    policyVersion: 1,
  });
const sent = (stage = 'late-notice', action = 'sms') =>
  event('outbox.sent', `outbox:L1:1:${stage}:${action}`, {
    key: `L1:1:${stage}:${action}`,
    leaseId: 'L1',
    provider: 'twilio',
  });
const failed = () =>
  event('outbox.failed', 'outbox:L1:1:late-notice:email', {
    key: 'L1:1:late-notice:email',
    leaseId: 'L1',
    reason: 'rejected: bounced',
    code: 'bounce',
  });
const replied = () =>
  event('reply.received', 'lease:L1', {
    channel: 'sms',
    intent: 'promise',
    leaseId: 'L1',
    episode: 1,
  });
const closed = () =>
  event('case.closed', 'lease:L1', { episode: 1, closed: '2026-10-20', outcome: 'paid' });

const apply = (
  h: ReturnType<typeof harness>,
  e: PublicEvent,
  context: CaseContext | null = CONTEXT,
) => h.instance.sink!.apply({ event: e, context });
const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);
const CASE_PATH = '/services/data/v66.0/sobjects/Case/Arrears_Lease_Case__c/L1%3A1';

describe('salesforce connector', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(salesforceConnector)).toEqual([]);
  });

  describe('write-back (sink)', () => {
    it('a case opening mints a JWT-bearer token and upserts the Case by its external id, exactly', async () => {
      const h = harness();
      expect(await apply(h, opened())).toEqual({ ok: true });
      expect(calls()).toEqual(['POST /services/oauth2/token', `PATCH ${CASE_PATH}`]);
      const [token, upsert] = fake.requests;
      expect(Object.keys(token!.form)).toEqual(['grant_type', 'assertion']);
      expect(token!.form.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
      const [header, claims] = token!.form
        .assertion!.split('.')
        .slice(0, 2)
        .map(
          (p) =>
            JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>,
        );
      expect(header).toEqual({ alg: 'RS256' });
      expect(claims).toMatchObject({
        iss: CLIENT_ID,
        sub: USERNAME,
        aud: 'https://login.salesforce.com',
      });
      expect(Number(claims!.exp) - Date.now() / 1000).toBeLessThanOrEqual(180);
      expect(upsert!.headers.authorization).toBe(`Bearer ${fake.issuedTokens[0]}`);
      expect(upsert!.json).toEqual({
        Origin: 'Web',
        Subject: 'Arrears: lease L1 · Oak Court 12B',
        SuppliedName: 'Ana Ruiz',
        SuppliedEmail: 'ana@example.com',
        SuppliedPhone: '+14155550101',
        Description: 'Arrears case opened 2026-10-06. Balance 1,500.00.',
        Status: 'New',
        Priority: 'Medium',
      });
      expect(fake.leaseStatus('L1')).toBe('New');
    });

    it('follows the case: Working with a Task per action and reply, a follow-up Task per failure, Closed', async () => {
      const h = harness();
      await apply(h, opened());
      const s = sent();
      expect(await apply(h, s)).toEqual({ ok: true });
      expect(fake.leaseStatus('L1')).toBe('Working');
      const c = fake.cases()['L1:1']!;
      expect(c.fields.Description).toBe(
        'Stage late-notice: sms sent 2026-10-06. Balance 1,500.00.',
      );
      const task = fake.requests.find((r) => r.path.endsWith('/sobjects/Task'))!;
      expect(task.json).toEqual({
        Subject: 'Arrears: sms sent (late-notice)',
        Status: 'Completed',
        Priority: 'Normal',
        ActivityDate: '2026-10-06',
        WhatId: c.id,
        Description: `Sent via twilio. [arrears ${s.id}]`,
      });
      await apply(h, replied());
      await apply(h, failed());
      expect(await apply(h, closed(), { ...CONTEXT, balanceCents: 0 })).toEqual({ ok: true });
      const done = fake.cases()['L1:1']!;
      expect(done.fields).toMatchObject({
        Status: 'Closed',
        Description: 'Closed 2026-10-20: paid. Balance 0.00.',
      });
      expect(fake.leaseStatus('L1')).toBe('Closed');
      expect(done.tasks.map((t) => [t.fields.Subject, t.fields.Status, t.fields.Priority])).toEqual(
        [
          ['Arrears: sms sent (late-notice)', 'Completed', 'Normal'],
          ['Arrears: tenant replied (promise)', 'Completed', 'Normal'],
          ['Arrears: email failed (late-notice)', 'Not Started', 'High'],
        ],
      );
      expect(Object.keys(fake.cases())).toEqual(['L1:1']);
      expect(fake.issuedTokens).toHaveLength(1);
    });

    it('re-applying an event changes nothing', async () => {
      const h = harness();
      await apply(h, opened());
      const s = sent();
      await apply(h, s);
      const before = JSON.stringify(fake.cases());
      const count = fake.requests.length;
      expect(await apply(h, s)).toEqual({ ok: true });
      expect(calls().slice(count)).toEqual([
        `PATCH ${CASE_PATH}`,
        expect.stringMatching(/^GET \/services\/data\/v66\.0\/query$/),
      ]);
      expect(JSON.stringify(fake.cases())).toBe(before);
    });

    it("reads every page of the Case's Tasks (nextRecordsUrl) before deciding a Task is missing", async () => {
      await fake.close();
      await start({ queryPageSize: 2 });
      const h = harness();
      await apply(h, opened());
      const first = sent('late-notice', 'sms');
      await apply(h, first);
      for (const stage of ['second', 'third', 'fourth', 'fifth']) await apply(h, sent(stage));
      const count = fake.requests.length;
      expect(await apply(h, first)).toEqual({ ok: true });
      const pages = calls()
        .slice(count)
        .filter((c) => c.startsWith('GET /services/data/v66.0/query'));
      expect(pages).toEqual([
        'GET /services/data/v66.0/query',
        expect.stringMatching(/^GET \/services\/data\/v66\.0\/query\/01g[0-9a-f]+-2$/),
        expect.stringMatching(/^GET \/services\/data\/v66\.0\/query\/01g[0-9a-f]+-4$/),
      ]);
      expect(fake.cases()['L1:1']!.tasks).toHaveLength(5);
    });

    it('a Task whose creation failed (5xx, not repeated blindly) is created on the next try, once', async () => {
      const h = harness();
      await apply(h, opened());
      fake.fault(1, { status: 503, path: /\/sobjects\/Task$/ });
      const s = sent();
      expect(await apply(h, s)).toMatchObject({ ok: false, retryable: true });
      expect(fake.cases()['L1:1']!.tasks).toHaveLength(0);
      expect(await apply(h, s)).toEqual({ ok: true });
      expect(await apply(h, s)).toEqual({ ok: true });
      expect(fake.cases()['L1:1']!.tasks).toHaveLength(1);
    });

    it('before v46.0 an update answers 204: the Case id is read by its external id', async () => {
      const h = harness({ ...JWT_ENV, ARREARS_SALESFORCE_API_VERSION: 'v45.0' });
      await apply(h, opened());
      const count = fake.requests.length;
      expect(await apply(h, sent())).toEqual({ ok: true });
      expect(calls().slice(count, count + 2)).toEqual([
        'PATCH /services/data/v45.0/sobjects/Case/Arrears_Lease_Case__c/L1%3A1',
        'GET /services/data/v45.0/sobjects/Case/Arrears_Lease_Case__c/L1%3A1',
      ]);
      expect(fake.cases()['L1:1']!.tasks).toHaveLength(1);
    });

    it('an event naming no case episode is skipped', async () => {
      const h = harness();
      const e = event('reply.received', 'lease:L1', { intent: 'other', leaseId: 'L1' });
      expect(await apply(h, e)).toEqual({ ok: true });
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('auth and token refresh', () => {
    it('client credentials: the documented form, then calls at the instance URL', async () => {
      const h = harness(CC_ENV);
      expect(await apply(h, opened())).toEqual({ ok: true });
      expect(fake.requests[0]!.form).toEqual({
        grant_type: 'client_credentials',
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      });
      expect(fake.leaseStatus('L1')).toBe('New');
    });

    it('an expired session (401 INVALID_SESSION_ID) is minted again once and the call repeated', async () => {
      const h = harness();
      await apply(h, opened());
      fake.expireSessions();
      expect(await apply(h, closed())).toEqual({ ok: true });
      expect(calls().slice(-3)).toEqual([
        `PATCH ${CASE_PATH}`,
        'POST /services/oauth2/token',
        `PATCH ${CASE_PATH}`,
      ]);
      expect(fake.issuedTokens).toHaveLength(2);
      expect(fake.leaseStatus('L1')).toBe('Closed');
    });

    it('a session refused again after minting is not minted in a loop: the stream waits', async () => {
      const h = harness();
      await apply(h, opened());
      fake.fault(2, {
        status: 401,
        path: /sobjects\/Case/,
        body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
      });
      expect(await apply(h, closed())).toEqual({
        ok: false,
        retryable: true,
        reason: 'upserting the Case: HTTP 401 INVALID_SESSION_ID Session expired or invalid',
      });
      expect(fake.issuedTokens).toHaveLength(2);
    });

    it('bad client credentials: invalid_client, the stream waits, verify says no', async () => {
      const h = harness({ ...CC_ENV, ARREARS_SALESFORCE_CLIENT_SECRET: 'wrong' });
      expect(await apply(h, opened())).toEqual({
        ok: false,
        retryable: true,
        reason: expect.stringContaining('HTTP 400 invalid_client invalid client credentials'),
      });
      expect(await h.instance.verify()).toMatchObject({ ok: false });
    });

    it('an assertion signed with another key is refused (invalid_grant)', async () => {
      const h = harness({
        ...JWT_ENV,
        ARREARS_SALESFORCE_PRIVATE_KEY: other.privateKey
          .export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      });
      expect(await apply(h, opened())).toMatchObject({
        ok: false,
        reason: expect.stringContaining('invalid_grant invalid assertion'),
      });
    });

    it('needs one complete flow in its settings', () => {
      expect(() => harness({ ARREARS_SALESFORCE_CLIENT_ID: CLIENT_ID })).toThrow(/CLIENT_SECRET/);
      expect(() =>
        harness({ ARREARS_SALESFORCE_CLIENT_ID: CLIENT_ID, ARREARS_SALESFORCE_USERNAME: USERNAME }),
      ).toThrow(/PRIVATE_KEY/);
    });

    it('verify mints a token and reads the limits', async () => {
      expect(await harness().instance.verify()).toMatchObject({ ok: true });
      expect(calls()).toEqual(['POST /services/oauth2/token', 'GET /services/data/v66.0/limits']);
    });
  });

  describe('limits, outages and refusals', () => {
    it('403 REQUEST_LIMIT_EXCEEDED is rate limiting: the stream holds a minute', async () => {
      const h = harness();
      fake.limitExceededNext(1);
      expect(await apply(h, opened())).toEqual({
        ok: false,
        retryable: true,
        retryAfterMs: 60_000,
        reason: 'upserting the Case: HTTP 403 REQUEST_LIMIT_EXCEEDED TotalRequests Limit exceeded.',
      });
      expect(await apply(h, opened())).toEqual({ ok: true });
    });

    it('a 5xx on the upsert is retried inside the call, then succeeds', async () => {
      const h = harness();
      fake.fault(1, { status: 503, path: /sobjects\/Case/ });
      expect(await apply(h, opened())).toEqual({ ok: true });
      expect(calls().filter((c) => c.startsWith('PATCH'))).toHaveLength(2);
      expect(Object.keys(fake.cases())).toEqual(['L1:1']);
    });

    it("an org's required field missing is refused REQUIRED_FIELD_MISSING and skipped", async () => {
      await fake.close();
      await start({ customCaseFields: ['Property__c'], required: { Case: ['Property__c'] } });
      expect(await apply(harness(), opened())).toEqual({
        ok: false,
        retryable: false,
        reason:
          'upserting the Case: HTTP 400 REQUIRED_FIELD_MISSING Required fields are missing: [Property__c] [Property__c]',
      });
    });

    it('a Task without its Subject is refused in the error array shape', async () => {
      const h = harness();
      await h.instance.verify(); // mints a session
      const res = await fetch(`${fake.url}/services/data/v66.0/sobjects/Task`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${fake.issuedTokens[0]}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ Status: 'Completed' }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual([
        {
          message: 'Required fields are missing: [Subject]',
          errorCode: 'REQUIRED_FIELD_MISSING',
          fields: ['Subject'],
        },
      ]);
    });
  });

  describe('writeback:salesforce (a policy writeback action)', () => {
    const item = (fields: Record<string, string>) =>
      outboxItem({
        key: 'L1:1:notice:crm',
        type: 'writeback',
        channel: null,
        action: 'crm',
        stage: 'notice',
        payload: { target: 'salesforce', fields },
      });

    it("writes the action's fields onto the Case, upserted by its external id", async () => {
      await fake.close();
      await start({ customCaseFields: ['Delinquency_Status__c'] });
      const h2 = harness();
      await apply(h2, opened());
      const outcome = await h2.send(
        'writeback:salesforce',
        item({ Delinquency_Status__c: 'Notice Sent', Priority: 'High' }),
      );
      const c = fake.cases()['L1:1']!;
      expect(outcome).toEqual({ tag: 'accepted', externalId: c.id });
      const patch = fake.requests.filter((r) => r.method === 'PATCH')[1]!;
      expect(patch.path).toBe(CASE_PATH);
      expect(patch.json).toEqual({ Delinquency_Status__c: 'Notice Sent', Priority: 'High' });
      // Again: the same Case, updated.
      expect(await h2.send('writeback:salesforce', item({ Priority: 'Low' }))).toEqual({
        tag: 'accepted',
        externalId: c.id,
      });
      expect(Object.keys(fake.cases())).toEqual(['L1:1']);
    });

    it('a field the org lacks is rejected with INVALID_FIELD; no fields at all is refused before sending', async () => {
      const h = harness();
      expect(await h.send('writeback:salesforce', item({ Nope__c: 'x' }))).toEqual({
        tag: 'rejected',
        code: 'INVALID_FIELD',
        reason: "No such column 'Nope__c' on sobject of type Case",
      });
      expect(await h.send('writeback:salesforce', item({}))).toMatchObject({
        tag: 'rejected',
        code: 'bad_fields',
      });
      expect(
        await h.send('writeback:salesforce', item({ Arrears_Lease_Case__c: 'L2:1' })),
      ).toMatchObject({ tag: 'rejected', code: 'bad_fields' });
    });

    it('REQUEST_LIMIT_EXCEEDED is retry_after; bad credentials are retryable', async () => {
      fake.limitExceededNext(1);
      const outcome = await harness().send('writeback:salesforce', item({ Priority: 'High' }));
      expect(outcome).toMatchObject({ tag: 'retry_after', reason: 'REQUEST_LIMIT_EXCEEDED' });
      const bad = harness({ ...CC_ENV, ARREARS_SALESFORCE_CLIENT_SECRET: 'wrong' });
      expect(await bad.send('writeback:salesforce', item({ Priority: 'High' }))).toEqual({
        tag: 'retryable',
        reason: 'credentials refused: invalid client credentials',
      });
    });
  });
});

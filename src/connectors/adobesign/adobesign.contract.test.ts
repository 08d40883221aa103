import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANA,
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { OutboxItem } from '../../app/ports/outbox.js';
import { createMemoryWebhookEventStore, createWebhookRegistry } from '../../app/ports/webhooks.js';
import { buildApp } from '../../http/app.js';
import { parseWebhookBody } from '../../http/routes/webhooks.js';
import { fakeDeps } from '../../http/testing.js';
import type { ConnectorLog } from '../context.js';
import { renderPlanPdf } from '../docusign/plan-pdf.js';
import { startAdobeSignFake, type AdobeSignFake } from './fake-server.js';
import { adobesignConnector, createAdobeSign, type AdobeSignInstance } from './index.js';
import { externalIdOf, PATHS, planOfExternalId } from './map.js';
import { createAdobeSignWebhook } from './webhooks.js';

const CLIENT_ID = 'CBJCHBCAABAAclientid000000000001';
const CLIENT_SECRET = 'as-client-secret-0001';
const REFRESH_TOKEN = 'as-rt-initial-0001';

const PLAN = [
  { dueDate: '2026-11-01', amountCents: 40000 },
  { dueDate: '2026-12-01', amountCents: 40000 },
  { dueDate: '2027-01-01', amountCents: 40000 },
];
const KEY = 'L1:1:payment-plan:esign';
const EXTERNAL_ID =
  'arrears=payment_plan&lease=L1&key=L1%3A1%3Apayment-plan%3Aesign&plan=2026-11-01%3A40000%2C2026-12-01%3A40000%2C2027-01-01%3A40000';

let fake: AdobeSignFake;
let receiver: Server | undefined;

beforeEach(async () => {
  fake = await startAdobeSignFake({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    refreshToken: REFRESH_TOKEN,
  });
});
afterEach(async () => {
  await fake.close();
  if (receiver) await new Promise((r) => receiver!.close(r));
  receiver = undefined;
});

function env(over: Record<string, string | undefined> = {}) {
  return {
    ARREARS_ADOBESIGN_CLIENT_ID: CLIENT_ID,
    ARREARS_ADOBESIGN_CLIENT_SECRET: CLIENT_SECRET,
    ARREARS_ADOBESIGN_REFRESH_TOKEN: REFRESH_TOKEN,
    ARREARS_ADOBESIGN_BASE_URL: fake.url,
    ...over,
  };
}
const harness = (over: Record<string, string | undefined> = {}, clock = fixedClock(Date.now())) =>
  connectorHarness(adobesignConnector, env(over), { clock });

function planItem(over: Partial<OutboxItem> = {}): OutboxItem {
  return outboxItem({
    key: KEY,
    stage: 'payment-plan',
    action: 'esign',
    type: 'writeback',
    channel: null,
    contactId: 'T1',
    payload: {
      date: '2026-10-06',
      at: '2026-10-06T16:00:00.000Z',
      target: 'adobesign',
      fields: {
        document: 'payment_plan',
        installments: JSON.stringify(PLAN),
        amountCents: '120000',
      },
      pastDueCents: 120000,
    },
    ...over,
  });
}

const ROUTE = 'writeback:adobesign';
const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);
const creates = () =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === PATHS.agreements);
const refreshes = () => fake.requests.filter((r) => r.path === PATHS.refresh);

function recordingLog() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log: ConnectorLog = {
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
  };
  return { log, lines };
}

async function sentAgreementId(h = harness()) {
  const outcome = await h.send(ROUTE, planItem());
  if (outcome.tag !== 'accepted') throw new Error(`not sent: ${JSON.stringify(outcome)}`);
  return outcome.externalId;
}

describe('Acrobat Sign connector: manifest and verify', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(adobesignConnector)).toEqual([]);
  });

  it('`connectors test adobesign` refreshes a token and reads the base URIs', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    expect(calls()).toEqual([`POST ${PATHS.refresh}`, `GET ${PATHS.baseUris}`]);
  });

  it('is not ok with a wrong client secret or a lapsed refresh token', async () => {
    const badSecret = await harness({ ARREARS_ADOBESIGN_CLIENT_SECRET: 'nope' }).instance.verify();
    expect(badSecret.ok).toBe(false);
    expect(badSecret.detail).toContain('invalid_client');
    const lapsed = await harness({
      ARREARS_ADOBESIGN_REFRESH_TOKEN: 'as-rt-old',
    }).instance.verify();
    expect(lapsed).toMatchObject({ ok: false });
    expect(lapsed.detail).toContain('invalid_request Invalid refresh token');
  });
});

describe('Acrobat Sign connector: OAuth refresh token', () => {
  it('refreshes with the documented form and caches the access token until it nears expiry', async () => {
    const clock = fixedClock(Date.now());
    const h = harness({}, clock);
    await h.instance.verify();
    await h.instance.verify();
    expect(refreshes()).toHaveLength(1);
    expect(refreshes()[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(refreshes()[0]!.form).toEqual({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
    });
    clock.advance(3600_000 - 30_000);
    await h.instance.verify();
    expect(refreshes()).toHaveLength(2);
  });

  it('TOKEN_URL overrides where the refresh goes', async () => {
    const other = await startAdobeSignFake({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      refreshToken: REFRESH_TOKEN,
    });
    try {
      const h = harness({ ARREARS_ADOBESIGN_TOKEN_URL: `${other.url}${PATHS.refresh}` });
      const result = await h.instance.verify();
      // The other fake issued the token (twice: the API's 401 asks for a fresh one), so the
      // API refuses it: proof of where the refresh went.
      expect(other.requests.map((r) => r.path)).toEqual([PATHS.refresh, PATHS.refresh]);
      expect(refreshes()).toEqual([]);
      expect(result).toMatchObject({ ok: false });
      expect(result.detail).toContain('INVALID_ACCESS_TOKEN');
    } finally {
      await other.close();
    }
  });

  it('a rotated refresh token is used from then on, with a warning that it must be stored', async () => {
    await fake.close();
    fake = await startAdobeSignFake({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      refreshToken: REFRESH_TOKEN,
      rotateRefreshTokens: true,
    });
    const clock = fixedClock(Date.now());
    const h = harness({}, clock);
    const { log, lines } = recordingLog();
    const instance = createAdobeSign({ ...h.ctx, log });
    expect(await instance.verify()).toMatchObject({ ok: true });
    clock.advance(3600_000);
    expect(await instance.verify()).toMatchObject({ ok: true });
    const used = refreshes().map((r) => r.form.refresh_token);
    expect(used[0]).toBe(REFRESH_TOKEN);
    expect(used[1]).not.toBe(REFRESH_TOKEN);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    // The token itself is never logged.
    expect(JSON.stringify(lines)).not.toContain('as-rt-');
  });

  it('a token the API refuses (401 INVALID_ACCESS_TOKEN) is refreshed once and the call repeated', async () => {
    const h = harness();
    await h.instance.verify();
    fake.revokeTokens();
    expect(await h.instance.verify()).toMatchObject({ ok: true });
    expect(calls()).toEqual([
      `POST ${PATHS.refresh}`,
      `GET ${PATHS.baseUris}`,
      `GET ${PATHS.baseUris}`,
      `POST ${PATHS.refresh}`,
      `GET ${PATHS.baseUris}`,
    ]);
  });

  it('refused credentials leave the item waiting (retryable), nothing sent', async () => {
    const outcome = await harness({ ARREARS_ADOBESIGN_CLIENT_SECRET: 'nope' }).send(
      ROUTE,
      planItem(),
    );
    expect(outcome).toEqual({
      tag: 'retryable',
      reason: 'credentials refused: invalid_client Invalid client_id or client_secret',
    });
    expect(fake.agreements.size).toBe(0);
  });
});

describe('Acrobat Sign connector: sending a payment-plan agreement', () => {
  it('uploads our PDF and creates the agreement with exactly the documented fields', async () => {
    const outcome = await harness().send(ROUTE, planItem());
    const [agreement] = [...fake.agreements.values()];
    expect(outcome).toEqual({ tag: 'accepted', externalId: agreement!.id });
    expect(calls()).toEqual([
      `POST ${PATHS.refresh}`,
      `GET ${PATHS.agreements}`,
      `POST ${PATHS.transientDocuments}`,
      `POST ${PATHS.agreements}`,
    ]);
    expect(fake.requests[1]!.query.get('externalId')).toBe(EXTERNAL_ID);
    expect(fake.requests[2]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);

    const expectedPdf = await renderPlanPdf({
      plan: { leaseId: 'L1', outboxKey: KEY, installments: PLAN, totalCents: 120000 },
      tenantName: ANA.name,
      officeName: ANA.office.name,
      date: '2026-10-06',
      language: 'es',
    });
    const doc = agreement!.document;
    expect(doc).toMatchObject({ fileName: 'payment-plan.pdf', mimeType: 'application/pdf' });
    expect(doc.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(doc.sha256).toBe(expectedPdf.sha256);
    expect(doc.sha256).toBe(createHash('sha256').update(expectedPdf.bytes).digest('hex'));

    expect(creates()[0]!.headers.authorization).toMatch(/^Bearer as-at-/);
    expect(creates()[0]!.json).toEqual({
      fileInfos: [{ transientDocumentId: doc.id }],
      name: 'Acuerdo de plan de pagos – Oak Court',
      participantSetsInfo: [
        { memberInfos: [{ email: 'ana@example.com' }], order: 1, role: 'SIGNER' },
      ],
      signatureType: 'ESIGN',
      state: 'IN_PROCESS',
      externalId: { id: EXTERNAL_ID },
      message: 'Revise y firme su acuerdo de plan de pagos, por favor.',
    });
    expect(agreement!.status).toBe('OUT_FOR_SIGNATURE');
  });

  it('the externalId carries the plan back', () => {
    expect(planOfExternalId(EXTERNAL_ID)).toEqual({
      leaseId: 'L1',
      outboxKey: KEY,
      installments: PLAN,
    });
    expect(
      externalIdOf({ leaseId: 'L1', outboxKey: KEY, installments: PLAN, totalCents: 120000 }),
    ).toBe(EXTERNAL_ID);
    expect(planOfExternalId('crm-ticket-42')).toBeUndefined();
  });

  it('the same item sent again (a replay) finds its agreement and creates no second one', async () => {
    const h = harness();
    const first = await h.send(ROUTE, planItem());
    const again = await h.send(ROUTE, planItem({ attempts: 2 }));
    expect(again).toEqual(first);
    expect(fake.agreements.size).toBe(1);
    expect(fake.transientDocuments.size).toBe(1);
  });

  it('a listing that ignores the externalId filter never stands in for the agreement', async () => {
    const h = harness();
    const first = await h.send(ROUTE, planItem());
    fake.listIgnoresExternalId = true;
    const second = await h.send(ROUTE, planItem({ key: 'L1:2:payment-plan:esign', episode: 2 }));
    expect(second.tag).toBe('accepted');
    expect(second).not.toEqual(first);
    expect(fake.agreements.size).toBe(2);
    // …and a true repeat is still found by reading the agreements listed.
    expect(await h.send(ROUTE, planItem({ attempts: 2 }))).toEqual(first);
    expect(fake.agreements.size).toBe(2);
  });

  it('a signer address Acrobat Sign refuses comes back rejected with its code', async () => {
    const h = connectorHarness(adobesignConnector, env(), {
      contacts: { T1: { ...ANA, email: 'ana@localhost' } },
    });
    expect(await h.send(ROUTE, planItem())).toEqual({
      tag: 'rejected',
      code: 'INVALID_EMAIL',
      reason: 'The email address provided is invalid.',
    });
    expect(fake.agreements.size).toBe(0);
  });

  it('the fake refuses an agreement missing a documented required field with INVALID_ARGUMENTS', async () => {
    await harness().instance.verify();
    const token = [...fake.tokens.keys()][0]!;
    const form = new FormData();
    form.append('File-Name', 'p.pdf');
    form.append('Mime-Type', 'application/pdf');
    form.append('File', new Blob([Buffer.from('%PDF-1.4 x')]), 'p.pdf');
    const auth = { authorization: `Bearer ${token}` };
    const up = (await (
      await fetch(`${fake.url}${PATHS.transientDocuments}`, {
        method: 'POST',
        headers: auth,
        body: form,
      })
    ).json()) as { transientDocumentId: string };
    const post = async (body: unknown) => {
      const r = await fetch(`${fake.url}${PATHS.agreements}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, json: (await r.json()) as unknown };
    };
    const full = {
      fileInfos: [{ transientDocumentId: up.transientDocumentId }],
      name: 'Plan',
      participantSetsInfo: [
        { memberInfos: [{ email: 'ana@example.com' }], order: 1, role: 'SIGNER' },
      ],
      signatureType: 'ESIGN',
      state: 'IN_PROCESS',
    };
    const { participantSetsInfo: _p, ...noParticipants } = full;
    expect(await post(noParticipants)).toEqual({
      status: 400,
      json: { code: 'INVALID_ARGUMENTS', message: 'participantSetsInfo is required.' },
    });
    const { signatureType: _s, ...noSignatureType } = full;
    expect(await post(noSignatureType)).toMatchObject({
      status: 400,
      json: { code: 'INVALID_ARGUMENTS' },
    });
    expect(await post({ ...full, fileInfos: [{ transientDocumentId: 'nope' }] })).toMatchObject({
      status: 404,
      json: { code: 'INVALID_TRANSIENT_DOCUMENT_ID' },
    });
    expect((await post(full)).status).toBe(201);
  });

  it('an item that is no payment plan, or has no tenant e-mail, is rejected before calling Acrobat Sign', async () => {
    const other = planItem();
    other.payload = { ...other.payload, fields: { document: 'lease_renewal' } };
    expect(await harness().send(ROUTE, other)).toMatchObject({
      tag: 'rejected',
      code: 'unsupported_document',
    });
    const noMail = connectorHarness(adobesignConnector, env(), {
      contacts: { T1: { ...ANA, email: null } },
    });
    expect(await noMail.send(ROUTE, planItem())).toMatchObject({
      tag: 'rejected',
      code: 'no_email',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    fake.fault(1, {
      status: 429,
      path: /\/agreements$/,
      headers: { 'retry-after': '0' },
      body: { code: 'THROTTLING_TOO_MANY_REQUESTS', message: 'Too many requests', retryAfter: 0 },
    });
    expect((await harness().send(ROUTE, planItem())).tag).toBe('accepted');
    expect(fake.agreements.size).toBe(1);
  });

  it('a 429 asking (in its body) to wait longer than a call may sleep becomes retry_after', async () => {
    const now = Date.now();
    fake.fault(4, {
      status: 429,
      path: /\/agreements$/,
      body: { code: 'THROTTLING_TOO_MANY_REQUESTS', message: 'Too many requests', retryAfter: 120 },
    });
    const h = connectorHarness(adobesignConnector, env(), { clock: fixedClock(now) });
    const { log } = recordingLog();
    const instance = createAdobeSign({ ...h.ctx, log });
    // The http layer retries a 429 with backoff; this one keeps answering 429.
    const outcome = await instance.senders![ROUTE]!.send(planItem(), { idempotencyKey: KEY });
    expect(outcome).toEqual({
      tag: 'retry_after',
      at: new Date(now + 120_000).toISOString(),
      reason: 'THROTTLING_TOO_MANY_REQUESTS Too many requests',
    });
    expect(fake.agreements.size).toBe(0);
  });

  it('a 5xx on a repeatable step (listing, upload) is retried inside the call', async () => {
    fake.fault(1, {
      status: 503,
      path: /\/agreements$/,
      body: { code: 'MISC_SERVER_ERROR', message: 'busy' },
    });
    fake.fault(1, {
      status: 502,
      path: /\/transientDocuments$/,
      body: { code: 'MISC_SERVER_ERROR', message: 'busy' },
    });
    expect((await harness().send(ROUTE, planItem())).tag).toBe('accepted');
    expect(fake.agreements.size).toBe(1);
    expect(fake.requests.filter((r) => r.path === PATHS.transientDocuments)).toHaveLength(2);
  });

  it('a 5xx on the create is not repeated in the call; the outbox retry sends it once', async () => {
    fake.failCreates(1, 500, 'before');
    const h = harness();
    expect((await h.send(ROUTE, planItem())).tag).toBe('retryable');
    expect(creates()).toHaveLength(1);
    expect((await h.send(ROUTE, planItem({ attempts: 2 }))).tag).toBe('accepted');
    expect(fake.agreements.size).toBe(1);
  });

  it('a create whose answer was lost is found by the retry, not made twice', async () => {
    fake.failCreates(1, 502, 'after');
    const h = harness();
    expect((await h.send(ROUTE, planItem())).tag).toBe('retryable');
    const [agreement] = [...fake.agreements.values()];
    expect(await h.send(ROUTE, planItem({ attempts: 2 }))).toEqual({
      tag: 'accepted',
      externalId: agreement!.id,
    });
    expect(fake.agreements.size).toBe(1);
    expect(creates()).toHaveLength(1);
  });
});

describe('Acrobat Sign connector: webhooks', () => {
  /** The connector's webhook behind a plain server: GET → handshake (the wanted router route). */
  async function serveHandshake(instance: AdobeSignInstance) {
    receiver = createServer((req, res) => {
      const inbound = {
        headers: req.headers,
        rawBody: Buffer.alloc(0),
        body: parseWebhookBody(req.headers['content-type'], Buffer.alloc(0)),
        url: `http://127.0.0.1${req.url}`,
      };
      const answer = instance.webhook.handshake(inbound);
      res.writeHead(answer.status ?? 200, {
        'content-type': 'application/json',
        ...answer.headers,
      });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/adobesign`;
  }

  const post = async (
    h: ReturnType<typeof harness>,
    body: unknown,
    clientId: string | null = CLIENT_ID,
  ) => {
    const app = await h.webhookApp();
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/adobesign',
      headers: {
        'content-type': 'application/json',
        ...(clientId ? { 'x-adobesign-clientid': clientId } : {}),
      },
      payload: JSON.stringify(body),
    });
    return {
      status: res.statusCode,
      header: res.headers['x-adobesign-clientid'],
      json: res.json<Record<string, unknown>>(),
    };
  };

  it('answers the verification of intent (GET) by echoing our client id, header and body', async () => {
    const url = await serveHandshake(harness().instance as AdobeSignInstance);
    const ok = await fake.verifyIntent(url);
    expect(ok).toMatchObject({ status: 200, echoed: true });
    expect(JSON.parse(ok.text)).toEqual({ xAdobeSignClientId: CLIENT_ID });
    const other = await fake.verifyIntent(url, 'CBJCHBCAABAAsomebodyelse');
    expect(other).toMatchObject({ status: 401, echoed: false });
  });

  it('AGREEMENT_WORKFLOW_COMPLETED of a plan: re-read as SIGNED, the plan recorded, the client id echoed', async () => {
    const h = harness();
    const agreementId = await sentAgreementId(h);
    fake.setStatus(agreementId, 'SIGNED');
    const body = fake.notification(agreementId, 'AGREEMENT_WORKFLOW_COMPLETED');
    const res = await post(h, body);
    expect(res).toEqual({
      status: 200,
      header: CLIENT_ID,
      json: {
        xAdobeSignClientId: CLIENT_ID,
        received: true,
        duplicate: false,
        eventId: body.webhookNotificationId,
      },
    });
    expect(calls().at(-1)).toBe(`GET ${PATHS.agreement(agreementId)}`);
    expect(h.inbound.events).toEqual([
      {
        leaseId: 'L1',
        date: String(body.eventDate).slice(0, 10),
        type: 'plan',
        installments: PLAN,
        id: `adobesign-${agreementId}`,
        at: body.eventDate,
        by: 'provider:adobesign',
        note: `payment plan signed (adobesign ${agreementId})`,
      },
    ]);
  });

  it('the same notification twice is handled once, and the repeat is echoed too', async () => {
    const h = harness();
    const agreementId = await sentAgreementId(h);
    fake.setStatus(agreementId, 'SIGNED');
    const body = fake.notification(agreementId, 'AGREEMENT_WORKFLOW_COMPLETED');
    const app = await h.webhookApp();
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/webhooks/adobesign',
        headers: { 'content-type': 'application/json', 'x-adobesign-clientid': CLIENT_ID },
        payload: JSON.stringify(body),
      });
    expect((await send()).json()).toMatchObject({ duplicate: false });
    const again = await send();
    expect(again.headers['x-adobesign-clientid']).toBe(CLIENT_ID);
    expect(again.json()).toEqual({
      xAdobeSignClientId: CLIENT_ID,
      received: true,
      duplicate: true,
      eventId: body.webhookNotificationId,
    });
    expect(h.inbound.events).toHaveLength(1);
  });

  it('refuses a notification with another client id, or none, with 401', async () => {
    const h = harness();
    const agreementId = await sentAgreementId(h);
    const body = fake.notification(agreementId, 'AGREEMENT_WORKFLOW_COMPLETED');
    expect((await post(h, body, 'CBJCHBCAABAAsomebodyelse')).status).toBe(401);
    expect((await post(h, body, null)).status).toBe(401);
    expect(h.inbound.events).toEqual([]);
  });

  it('a forged completion (right client id, agreement not signed at Acrobat Sign) records nothing', async () => {
    const h = harness();
    const agreementId = await sentAgreementId(h);
    // The agreement is still OUT_FOR_SIGNATURE; the body claims otherwise.
    const body = fake.notification(agreementId, 'AGREEMENT_WORKFLOW_COMPLETED', {
      agreement: { id: agreementId, status: 'SIGNED', externalId: { id: EXTERNAL_ID } },
    });
    expect((await post(h, body)).status).toBe(200);
    const unknown = fake.notification('CBJCHBCAABAAnotours', 'AGREEMENT_WORKFLOW_COMPLETED');
    expect((await post(h, unknown)).status).toBe(200);
    expect(h.inbound.events).toEqual([]);
  });

  it('without CLIENT_ID the webhook refuses everything (503)', async () => {
    // CLIENT_ID is required for the connector itself; the webhook alone shows the rule.
    const webhook = createAdobeSignWebhook({
      clientId: undefined,
      inbound: harness().ctx.inbound,
      client: { agreement: () => Promise.reject(new Error('not called')) },
      log: recordingLog().log,
    });
    expect(webhook.secretConfigured).toBe(false);
    const { deps } = fakeDeps({
      webhooks: createWebhookRegistry([webhook]),
      webhookEvents: createMemoryWebhookEventStore(),
      clock: fixedClock(Date.now()),
      publicUrl: 'https://arrears.example.com',
    });
    const res = await (
      await buildApp(deps)
    ).inject({
      method: 'POST',
      url: '/webhooks/adobesign',
      headers: { 'content-type': 'application/json', 'x-adobesign-clientid': CLIENT_ID },
      payload: JSON.stringify(fake.notification('x', 'AGREEMENT_WORKFLOW_COMPLETED')),
    });
    expect(res.statusCode).toBe(503);
    expect(
      webhook.handshake({
        headers: { 'x-adobesign-clientid': CLIENT_ID },
        rawBody: Buffer.alloc(0),
        body: undefined,
        url: 'x',
      }).status,
    ).toBe(401);
  });

  it('rejected, recalled and expired agreements are logged, not recorded', async () => {
    const h = harness();
    const { log, lines } = recordingLog();
    const instance = createAdobeSign({ ...h.ctx, log });
    const agreementId = await sentAgreementId(h);
    for (const event of ['AGREEMENT_REJECTED', 'AGREEMENT_RECALLED', 'AGREEMENT_EXPIRED']) {
      const raw = JSON.stringify(fake.notification(agreementId, event));
      const req = {
        headers: { 'content-type': 'application/json', 'x-adobesign-clientid': CLIENT_ID },
        rawBody: Buffer.from(raw),
        body: JSON.parse(raw) as unknown,
        url: 'https://arrears.example.com/webhooks/adobesign',
      };
      const v = await instance.webhook.verify(req);
      if (!v.ok) throw new Error(v.reason);
      const answer = await instance.webhook.handle({
        ...req,
        connector: 'adobesign',
        eventId: v.eventId,
        receivedAt: new Date().toISOString(),
      });
      expect(answer).toMatchObject({ headers: { 'X-AdobeSign-ClientId': CLIENT_ID } });
    }
    expect(h.inbound.events).toEqual([]);
    expect(lines.map((l) => [l.message, l.fields.event])).toEqual([
      ['agreement will not be signed', 'AGREEMENT_REJECTED'],
      ['agreement will not be signed', 'AGREEMENT_RECALLED'],
      ['agreement will not be signed', 'AGREEMENT_EXPIRED'],
    ]);
  });

  it('notifications sent over time: created, action completed, workflow completed → one plan, each echoed', async () => {
    const h = harness();
    const agreementId = await sentAgreementId(h);
    const app = await h.webhookApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const results = await fake.notifySequence(
        `http://127.0.0.1:${port}/webhooks/adobesign`,
        agreementId,
        ['AGREEMENT_CREATED', 'AGREEMENT_ACTION_COMPLETED', 'AGREEMENT_WORKFLOW_COMPLETED'],
        20,
      );
      expect(results.map((r) => [r.event, r.status, r.echoed])).toEqual([
        ['AGREEMENT_CREATED', 200, true],
        ['AGREEMENT_ACTION_COMPLETED', 200, true],
        ['AGREEMENT_WORKFLOW_COMPLETED', 200, true],
      ]);
    } finally {
      await app.close();
    }
    expect(h.inbound.events).toMatchObject([{ type: 'plan', leaseId: 'L1', installments: PLAN }]);
  });
});

import {
  createHash,
  createHmac,
  createPublicKey,
  createVerify,
  generateKeyPairSync,
} from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ANA,
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { ConnectorLog } from '../context.js';
import { startDocuSignFake, type DocuSignFake } from './fake-server.js';
import { docusignConnector } from './index.js';
import { ANCHORS, FIELD, JWT_GRANT } from './map.js';
import { renderPlanPdf } from './plan-pdf.js';
import { connectSignature } from './webhooks.js';

const INTEGRATION_KEY = '8d7b1f36-0000-4c4e-9a2f-ik0000000001';
const USER_ID = '5b9f3e2a-0000-4f1d-8c6b-user00000001';
const ACCOUNT_ID = '0f1e2d3c-0000-4b5a-9687-acct00000001';
const CONNECT_KEY = 'k3Xr9mQ2vT8wZ1yB5nC7dF0gH4jL6pS8uA2eR5tY9iO=';
const OTHER_KEY = 'pL0kJ9hG8fD7sA6qW5eR4tY3uI2oP1zX0cV9bN8mQ7w=';

const PLAN = [
  { dueDate: '2026-11-01', amountCents: 40000 },
  { dueDate: '2026-12-01', amountCents: 40000 },
  { dueDate: '2027-01-01', amountCents: 40000 },
];

let keys: { privatePem: string; publicPem: string; otherPrivatePem: string };
let fake: DocuSignFake;

beforeAll(() => {
  const pair = () =>
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
  const a = pair();
  const b = pair();
  keys = { privatePem: a.privateKey, publicPem: a.publicKey, otherPrivatePem: b.privateKey };
});

beforeEach(async () => {
  fake = await startDocuSignFake({
    integrationKey: INTEGRATION_KEY,
    userId: USER_ID,
    accountId: ACCOUNT_ID,
    publicKey: keys.publicPem,
    connectKeys: [CONNECT_KEY],
  });
});
afterEach(() => fake.close());

function env(over: Record<string, string | undefined> = {}) {
  return {
    ARREARS_DOCUSIGN_INTEGRATION_KEY: INTEGRATION_KEY,
    ARREARS_DOCUSIGN_USER_ID: USER_ID,
    ARREARS_DOCUSIGN_ACCOUNT_ID: ACCOUNT_ID,
    // As an env file carries it: one line with `\n` escapes.
    ARREARS_DOCUSIGN_PRIVATE_KEY: keys.privatePem.replace(/\n/g, '\\n'),
    ARREARS_DOCUSIGN_AUTH_URL: fake.url,
    ARREARS_DOCUSIGN_CONNECT_KEY: CONNECT_KEY,
    ARREARS_DOCUSIGN_BASE_URL: `${fake.url}/restapi`,
    ...over,
  };
}

/** Whole seconds: JWT times are in seconds. */
const NOW = Math.floor(Date.now() / 1000) * 1000;
const harness = (over: Record<string, string | undefined> = {}, clock = fixedClock(Date.now())) =>
  connectorHarness(docusignConnector, env(over), { clock });

function planItem(over: Partial<OutboxItem> = {}): OutboxItem {
  return outboxItem({
    key: 'L1:1:payment-plan:esign',
    stage: 'payment-plan',
    action: 'esign',
    type: 'writeback',
    channel: null,
    contactId: 'T1',
    payload: {
      date: '2026-10-06',
      at: '2026-10-06T16:00:00.000Z',
      target: 'docusign',
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

const ROUTE = 'writeback:docusign';
const API = `/restapi/v2.1/accounts/${ACCOUNT_ID}`;
const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);
const creates = () =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === `${API}/envelopes`);
const tokenRequests = () => fake.requests.filter((r) => r.path === '/oauth/token');

function recordingLog() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log: ConnectorLog = {
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
  };
  return { log, lines };
}

async function sentEnvelopeId(h = harness()) {
  const outcome = await h.send(ROUTE, planItem());
  if (outcome.tag !== 'accepted') throw new Error(`not sent: ${JSON.stringify(outcome)}`);
  return outcome.externalId;
}

describe('DocuSign connector: manifest and verify', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(docusignConnector)).toEqual([]);
  });

  it('`connectors test docusign` mints a JWT-grant token and reads the account', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    expect(calls()).toEqual(['POST /oauth/token', `GET ${API}`]);
  });

  it('is not ok when the JWT is signed with another key', async () => {
    const h = harness({ ARREARS_DOCUSIGN_PRIVATE_KEY: keys.otherPrivatePem });
    const result = await h.instance.verify();
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('invalid_grant no_valid_keys_or_signatures');
  });

  it('refuses to start with a PRIVATE_KEY that is no PEM key, naming the variable', () => {
    expect(() => harness({ ARREARS_DOCUSIGN_PRIVATE_KEY: 'not a key' })).toThrow(
      /ARREARS_DOCUSIGN_PRIVATE_KEY/,
    );
  });
});

describe('DocuSign connector: JWT grant and token', () => {
  it('sends an RS256 JWT with the documented claims to the token endpoint', async () => {
    const clock = fixedClock(NOW);
    expect(await harness({}, clock).instance.verify()).toMatchObject({ ok: true });
    const req = tokenRequests()[0]!;
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.keys(req.form).sort()).toEqual(['assertion', 'grant_type']);
    expect(req.form.grant_type).toBe(JWT_GRANT);
    const [h, p, s] = req.form.assertion!.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({
      alg: 'RS256',
      typ: 'JWT',
    });
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual({
      iss: INTEGRATION_KEY,
      sub: USER_ID,
      aud: new URL(fake.url).host,
      iat: NOW / 1000,
      exp: NOW / 1000 + 3600,
      scope: 'signature impersonation',
    });
    const valid = createVerify('RSA-SHA256')
      .update(`${h}.${p}`)
      .verify(createPublicKey(keys.publicPem), Buffer.from(s!, 'base64url'));
    expect(valid).toBe(true);
  });

  it('caches the token until it nears expiry, then mints a new JWT (no refresh token)', async () => {
    const clock = fixedClock(Date.now());
    const h = harness({}, clock);
    await h.instance.verify();
    await h.instance.verify();
    expect(tokenRequests()).toHaveLength(1);
    clock.advance(3600_000 - 30_000); // inside the last minute
    await h.instance.verify();
    expect(tokenRequests()).toHaveLength(2);
    const bearers = fake.requests.filter((r) => r.path === API).map((r) => r.headers.authorization);
    expect(bearers[0]).toBe(bearers[1]);
    expect(bearers[2]).not.toBe(bearers[1]);
  });

  it('a token the API refuses (401 USER_AUTHENTICATION_FAILED) is re-minted once and the call repeated', async () => {
    const h = harness();
    await h.instance.verify();
    fake.revokeTokens();
    expect(await h.instance.verify()).toMatchObject({ ok: true });
    expect(calls()).toEqual([
      'POST /oauth/token',
      `GET ${API}`,
      `GET ${API}`,
      'POST /oauth/token',
      `GET ${API}`,
    ]);
  });

  it('consent not granted: the item waits (retryable) and the consent URL is logged', async () => {
    fake.consentGiven = false;
    const h = harness();
    const { log, lines } = recordingLog();
    const instance = docusignConnector.create({ ...h.ctx, log });
    const outcome = await instance.senders![ROUTE]!.send(planItem(), {
      idempotencyKey: 'L1:1:payment-plan:esign',
    });
    expect(outcome).toMatchObject({ tag: 'retryable' });
    expect(outcome.tag === 'retryable' && outcome.reason).toContain('consent_required');
    const warning = lines.find((l) => l.level === 'warn')!;
    expect(String(warning.fields.consentUrl)).toContain(
      `${fake.url}/oauth/auth?response_type=code&scope=signature%20impersonation&client_id=${INTEGRATION_KEY}`,
    );
    expect(JSON.stringify(lines)).not.toContain('PRIVATE KEY');
    expect(fake.envelopes.size).toBe(0);
  });
});

describe('DocuSign connector: sending a payment-plan envelope', () => {
  it('creates the envelope from our PDF with exactly the documented fields', async () => {
    const h = harness();
    const outcome = await h.send(ROUTE, planItem());
    const [envelope] = [...fake.envelopes.values()];
    expect(outcome).toEqual({ tag: 'accepted', externalId: envelope!.envelopeId });
    // Looked up by the outbox key first, then created.
    expect(calls()).toEqual(['POST /oauth/token', `GET ${API}/envelopes`, `POST ${API}/envelopes`]);
    const lookup = fake.requests[1]!;
    expect(Object.fromEntries(lookup.query)).toEqual({
      from_date: '2026-10-05T16:00:00.000Z',
      custom_field: 'arrears_outbox_key=L1:1:payment-plan:esign',
      include: 'custom_fields',
    });

    const expectedPdf = await renderPlanPdf({
      plan: {
        leaseId: 'L1',
        outboxKey: 'L1:1:payment-plan:esign',
        installments: PLAN,
        totalCents: 120000,
      },
      tenantName: ANA.name,
      officeName: ANA.office.name,
      date: '2026-10-06',
      language: 'es',
      anchors: ANCHORS,
    });
    const body = creates()[0]!.json as Record<string, unknown>;
    expect(creates()[0]!.headers.authorization).toMatch(/^Bearer ds-at-/);
    expect(body).toEqual({
      emailSubject: 'Acuerdo de plan de pagos – Oak Court',
      documents: [
        {
          documentId: '1',
          name: 'Acuerdo de plan de pagos',
          fileExtension: 'pdf',
          documentBase64: expectedPdf.bytes.toString('base64'),
        },
      ],
      recipients: {
        signers: [
          {
            email: 'ana@example.com',
            name: 'Ana Ruiz',
            recipientId: '1',
            routingOrder: '1',
            tabs: {
              signHereTabs: [
                {
                  anchorString: '/sn1/',
                  anchorUnits: 'pixels',
                  anchorXOffset: '0',
                  anchorYOffset: '0',
                },
              ],
              dateSignedTabs: [
                {
                  anchorString: '/ds1/',
                  anchorUnits: 'pixels',
                  anchorXOffset: '0',
                  anchorYOffset: '0',
                },
              ],
            },
          },
        ],
      },
      customFields: {
        textCustomFields: [
          { name: 'arrears_lease_id', value: 'L1', show: 'false' },
          { name: 'arrears_outbox_key', value: 'L1:1:payment-plan:esign', show: 'false' },
          { name: 'arrears_document', value: 'payment_plan', show: 'false' },
          {
            name: 'arrears_installments',
            value: '2026-11-01:40000,2026-12-01:40000,2027-01-01:40000',
            show: 'false',
          },
          { name: 'arrears_amount_cents', value: '120000', show: 'false' },
        ],
      },
      status: 'sent',
    });
    // Real PDF bytes reached DocuSign.
    const doc = envelope!.documents[0]!;
    expect(doc.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(doc.sha256).toBe(expectedPdf.sha256);
    expect(doc.sha256).toBe(createHash('sha256').update(expectedPdf.bytes).digest('hex'));
  });

  it('the same item sent again (a replay) finds its envelope and creates no second one', async () => {
    const h = harness();
    const first = await h.send(ROUTE, planItem());
    const again = await h.send(ROUTE, planItem({ attempts: 2 }));
    expect(again).toEqual(first);
    expect(fake.envelopes.size).toBe(1);
    expect(creates()).toHaveLength(1);
  });

  it('another plan item is another envelope', async () => {
    const h = harness();
    await h.send(ROUTE, planItem());
    await h.send(ROUTE, planItem({ key: 'L1:2:payment-plan:esign', episode: 2 }));
    expect(fake.envelopes.size).toBe(2);
  });

  it('a recipient DocuSign refuses comes back rejected with DocuSign’s errorCode', async () => {
    const h = connectorHarness(docusignConnector, env(), {
      contacts: { T1: { ...ANA, email: 'ana@localhost' } },
    });
    expect(await h.send(ROUTE, planItem())).toEqual({
      tag: 'rejected',
      code: 'INVALID_EMAIL_ADDRESS_FOR_RECIPIENT',
      reason: 'The email address for the recipient is invalid. The recipient Id follows.',
    });
    expect(fake.envelopes.size).toBe(0);
  });

  it('the fake refuses an envelope missing a required part the way DocuSign does', async () => {
    await harness().instance.verify(); // a token
    const token = [...fake.tokens.keys()][0]!;
    const post = (body: unknown) =>
      fetch(`${fake.url}${API}/envelopes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as unknown }));
    const signer = { email: 'ana@example.com', name: 'Ana Ruiz', recipientId: '1' };
    const pdf = Buffer.from('%PDF-1.4 fake').toString('base64');
    const doc = { documentId: '1', name: 'Plan', fileExtension: 'pdf', documentBase64: pdf };
    expect(
      await post({ emailSubject: 'x', recipients: { signers: [signer] }, status: 'sent' }),
    ).toEqual({
      status: 400,
      json: {
        errorCode: 'ENVELOPE_IS_INCOMPLETE',
        message:
          'The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, Tabs, and a Subject Line.',
      },
    });
    expect(
      await post({ documents: [doc], recipients: { signers: [signer] }, status: 'sent' }),
    ).toMatchObject({ status: 400, json: { errorCode: 'ENVELOPE_IS_INCOMPLETE' } });
    expect(
      await post({
        emailSubject: 'x',
        documents: [doc],
        recipients: { signers: [{ ...signer, name: '' }] },
        status: 'sent',
      }),
    ).toMatchObject({ status: 400, json: { errorCode: 'INVALID_USERNAME_FOR_RECIPIENT' } });
    expect(fake.envelopes.size).toBe(0);
  });

  it('an item that is no payment plan, or has no tenant e-mail, is rejected before calling DocuSign', async () => {
    const h = harness();
    const bad = planItem();
    bad.payload = { ...bad.payload, fields: { document: 'payment_plan', installments: '[]' } };
    expect(await h.send(ROUTE, bad)).toMatchObject({ tag: 'rejected', code: 'invalid_plan' });
    const other = planItem();
    other.payload = { ...other.payload, fields: { document: 'lease_renewal' } };
    expect(await h.send(ROUTE, other)).toMatchObject({
      tag: 'rejected',
      code: 'unsupported_document',
    });
    const sum = planItem();
    sum.payload = {
      ...sum.payload,
      fields: { document: 'payment_plan', installments: JSON.stringify(PLAN), amountCents: '99' },
    };
    expect(await h.send(ROUTE, sum)).toMatchObject({ tag: 'rejected', code: 'invalid_plan' });
    const noMail = connectorHarness(docusignConnector, env(), {
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
      path: /\/envelopes$/,
      headers: { 'retry-after': '0' },
      body: {
        errorCode: 'HOURLY_APIINVOCATION_LIMIT_EXCEEDED',
        message: 'The maximum number of hourly API invocations has been exceeded.',
      },
    });
    const outcome = await harness().send(ROUTE, planItem());
    expect(outcome.tag).toBe('accepted');
    expect(fake.envelopes.size).toBe(1);
  });

  it('a 429 without Retry-After waits until X-RateLimit-Reset: retry_after', async () => {
    const clock = fixedClock(NOW);
    const reset = NOW / 1000 + 1800;
    fake.fault(1, {
      status: 429,
      path: /\/envelopes$/,
      headers: {
        'x-ratelimit-limit': '3000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(reset),
      },
      body: {
        errorCode: 'HOURLY_APIINVOCATION_LIMIT_EXCEEDED',
        message: 'The maximum number of hourly API invocations has been exceeded.',
      },
    });
    const outcome = await harness({}, clock).send(ROUTE, planItem());
    expect(outcome).toEqual({
      tag: 'retry_after',
      at: new Date(reset * 1000).toISOString(),
      reason:
        'HOURLY_APIINVOCATION_LIMIT_EXCEEDED The maximum number of hourly API invocations has been exceeded.',
    });
    expect(fake.envelopes.size).toBe(0);
  });

  it('a 5xx on the lookup (a read) is retried inside the call, then the envelope is sent', async () => {
    fake.fault(2, {
      status: 503,
      path: /\/envelopes$/,
      body: { errorCode: 'UNSPECIFIED_ERROR', message: 'busy' },
    });
    const outcome = await harness().send(ROUTE, planItem());
    expect(outcome.tag).toBe('accepted');
    expect(
      fake.requests.filter((r) => r.method === 'GET' && r.path === `${API}/envelopes`),
    ).toHaveLength(3);
    expect(fake.envelopes.size).toBe(1);
  });

  it('a 5xx on the create is not repeated in the call; the outbox retry sends it once', async () => {
    fake.failCreates(1, 500, 'before');
    const h = harness();
    const first = await h.send(ROUTE, planItem());
    expect(first.tag).toBe('retryable');
    expect(creates()).toHaveLength(1);
    const second = await h.send(ROUTE, planItem({ attempts: 2 }));
    expect(second.tag).toBe('accepted');
    expect(fake.envelopes.size).toBe(1);
  });

  it('a create whose answer was lost (5xx after DocuSign made it) is found by the retry, not made twice', async () => {
    fake.failCreates(1, 502, 'after');
    const h = harness();
    expect((await h.send(ROUTE, planItem())).tag).toBe('retryable');
    expect(fake.envelopes.size).toBe(1);
    const [envelope] = [...fake.envelopes.values()];
    expect(await h.send(ROUTE, planItem({ attempts: 2 }))).toEqual({
      tag: 'accepted',
      externalId: envelope!.envelopeId,
    });
    expect(fake.envelopes.size).toBe(1);
    expect(creates()).toHaveLength(1);
  });
});

describe('DocuSign connector: Connect webhook', () => {
  const post = async (
    h: ReturnType<typeof harness>,
    delivery: { body: string; headers: Record<string, string> },
  ) => {
    const app = await h.webhookApp();
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/docusign',
      headers: delivery.headers,
      payload: delivery.body,
    });
    return { status: res.statusCode, json: res.json<Record<string, unknown>>() };
  };

  it('X-DocuSign-Signature-1 is base64 HMAC-SHA256 of the raw body bytes with the Connect key', () => {
    // Line endings are part of the signed bytes.
    const body = '{"event":"envelope-completed","data":{"envelopeId":"e1"}}\r\n';
    const expected = createHmac('sha256', CONNECT_KEY)
      .update(Buffer.from(body, 'utf8'))
      .digest('base64');
    expect(connectSignature(CONNECT_KEY, body)).toBe(expected);
    expect(connectSignature(CONNECT_KEY, body.trimEnd())).not.toBe(expected);
  });

  it('a completed payment-plan envelope records the plan (installments) through the inbound sink', async () => {
    const h = harness();
    const envelopeId = await sentEnvelopeId(h);
    fake.setStatus(envelopeId, 'completed');
    const delivery = fake.connectDelivery(envelopeId, 'envelope-completed');
    const res = await post(h, delivery);
    expect(res).toEqual({
      status: 200,
      json: { received: true, duplicate: false, eventId: `${envelopeId}:envelope-completed` },
    });
    const completedAt = new Date(fake.envelopes.get(envelopeId)!.completedDateTime!).toISOString();
    expect(fake.envelopes.get(envelopeId)!.completedDateTime).toMatch(/\.\d{7}Z$/);
    expect(h.inbound.events).toEqual([
      {
        leaseId: 'L1',
        date: completedAt.slice(0, 10),
        type: 'plan',
        installments: PLAN,
        id: `docusign-${envelopeId}`,
        at: completedAt,
        by: 'provider:docusign',
        note: `payment plan signed (docusign ${envelopeId})`,
      },
    ]);
  });

  it('the same delivery twice is handled once (the second answer says duplicate)', async () => {
    const h = harness();
    const envelopeId = await sentEnvelopeId(h);
    fake.setStatus(envelopeId, 'completed');
    const delivery = fake.connectDelivery(envelopeId, 'envelope-completed');
    const app = await h.webhookApp();
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/webhooks/docusign',
        headers: delivery.headers,
        payload: delivery.body,
      });
    expect((await send()).json()).toMatchObject({ duplicate: false });
    expect((await send()).json()).toMatchObject({ received: true, duplicate: true });
    expect(h.inbound.events).toHaveLength(1);
  });

  it('any of N signature headers may match (a key being rotated)', async () => {
    const h = harness({ ARREARS_DOCUSIGN_CONNECT_KEY: `${OTHER_KEY}, ${CONNECT_KEY}` });
    const envelopeId = await sentEnvelopeId(h);
    fake.setStatus(envelopeId, 'completed');
    const delivery = fake.connectDelivery(envelopeId, 'envelope-completed', {
      keys: ['an-old-key-we-dropped', CONNECT_KEY],
    });
    expect(delivery.headers['x-docusign-signature-2']).toBe(
      connectSignature(CONNECT_KEY, delivery.body),
    );
    expect((await post(h, delivery)).status).toBe(200);
    expect(h.inbound.events).toHaveLength(1);
  });

  it('refuses a forged, a tampered and an unsigned delivery with 401', async () => {
    const h = harness();
    const envelopeId = await sentEnvelopeId(h);
    fake.setStatus(envelopeId, 'completed');
    const forged = fake.connectDelivery(envelopeId, 'envelope-completed', { keys: [OTHER_KEY] });
    expect((await post(h, forged)).status).toBe(401);
    const good = fake.connectDelivery(envelopeId, 'envelope-completed');
    const tampered = { ...good, body: good.body.replace('"L1"', '"L2"') };
    expect(tampered.body).not.toBe(good.body);
    expect((await post(h, tampered)).status).toBe(401);
    const { ['x-docusign-signature-1']: _drop, ...unsigned } = good.headers;
    expect((await post(h, { body: good.body, headers: unsigned })).status).toBe(401);
    expect(h.inbound.events).toEqual([]);
  });

  it('without CONNECT_KEY every delivery is refused (503)', async () => {
    const h = harness({ ARREARS_DOCUSIGN_CONNECT_KEY: undefined });
    expect(h.instance.webhook!.secretConfigured).toBe(false);
    const delivery = fake.connectDelivery('e-unknown', 'envelope-completed');
    expect((await post(h, delivery)).status).toBe(503);
  });

  it('a delivery without envelopeSummary: the envelope and its custom fields are read from DocuSign', async () => {
    const h = harness();
    const envelopeId = await sentEnvelopeId(h);
    fake.setStatus(envelopeId, 'completed');
    const delivery = fake.connectDelivery(envelopeId, 'envelope-completed', {
      includeSummary: false,
    });
    expect((await post(h, delivery)).status).toBe(200);
    expect(calls().at(-1)).toBe(`GET ${API}/envelopes/${envelopeId}`);
    expect(fake.requests.at(-1)!.query.get('include')).toBe('custom_fields');
    expect(h.inbound.events).toMatchObject([{ type: 'plan', leaseId: 'L1', installments: PLAN }]);
  });

  it('declined and voided envelopes are logged, not recorded', async () => {
    const h = harness();
    const { log, lines } = recordingLog();
    const instance = docusignConnector.create({ ...h.ctx, log });
    const envelopeId = await sentEnvelopeId(h);
    for (const event of ['envelope-declined', 'envelope-voided']) {
      fake.setStatus(envelopeId, event.slice('envelope-'.length));
      const { body, headers } = fake.connectDelivery(envelopeId, event);
      const rawBody = Buffer.from(body);
      const req = {
        headers,
        rawBody,
        body: JSON.parse(body) as unknown,
        url: 'https://x/webhooks/docusign',
      };
      const v = await instance.webhook!.verify(req);
      expect(v).toEqual({ ok: true, eventId: `${envelopeId}:${event}` });
      await instance.webhook!.handle({
        ...req,
        connector: 'docusign',
        eventId: `${envelopeId}:${event}`,
        receivedAt: new Date().toISOString(),
      });
    }
    expect(h.inbound.events).toEqual([]);
    expect(lines.map((l) => [l.message, l.fields.outboxKey])).toEqual([
      ['agreement declined by the signer', 'L1:1:payment-plan:esign'],
      ['envelope voided', 'L1:1:payment-plan:esign'],
    ]);
  });

  it('status callbacks sent over time: sent, delivered, completed → one plan', async () => {
    const h = harness();
    const envelopeId = await sentEnvelopeId(h);
    const app = await h.webhookApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.server.address() as { port: number };
      const results = await fake.sendConnectSequence(
        `http://127.0.0.1:${address.port}/webhooks/docusign`,
        envelopeId,
        ['envelope-sent', 'envelope-delivered', 'envelope-completed'],
        20,
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    } finally {
      await app.close();
    }
    expect(h.inbound.events).toMatchObject([{ type: 'plan', leaseId: 'L1', installments: PLAN }]);
  });

  it('a completed envelope that is no payment plan records nothing', async () => {
    const h = harness();
    const envelopeId = await sentEnvelopeId(h);
    const e = fake.setStatus(envelopeId, 'completed');
    e.textCustomFields = e.textCustomFields.filter((f) => f.name !== FIELD.document);
    expect((await post(h, fake.connectDelivery(envelopeId, 'envelope-completed'))).status).toBe(
      200,
    );
    expect(h.inbound.events).toEqual([]);
  });
});

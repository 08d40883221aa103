/**
 * Fuzzing `POST /webhooks/{id}` (SPEC 10, 11) through the whole server of `arrears serve`
 * (serverAppFor) on SQLite and PostgreSQL, with every shipped connector that takes webhooks
 * configured (its signing secret set; its provider's URLs pointing at a closed port, so
 * nothing leaves the machine) and the sandbox channels:
 *
 * - random bodies, content types, query strings and headers — signature headers of every
 *   provider included, with random values — are refused: never a 5xx, always a problem+json
 *   (a connector's own handshake answer aside), and nothing written: no webhook event, reply,
 *   suggestion, event, hold, outbox item, task or audit entry;
 * - replies and receipts correctly signed for the sandbox channels, with hostile fields, are
 *   received (200) or refused as invalid input (400), never a 5xx; a replay is a duplicate.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/app/ports/clock.js';
import { serverAppFor } from '../../src/cli/commands/serve.js';
import { settingEnvName } from '../../src/connectors/contract.js';
import { CONNECTOR_MODULES } from '../../src/connectors/registry.js';
import { signSandboxWebhook } from '../../src/connectors/sandbox/webhooks.js';
import { connectorsFor, openRuntime, sandboxConnectorsFor, type Runtime } from '../../src/main.js';
import { forEachDialect } from '../support/databases.js';

const NOW = Date.parse('2026-10-06T16:00:00.000Z');
const PUBLIC = 'https://arrears.example.com';
/** Where every provider API points: a port nothing listens on. */
const NOWHERE = 'http://127.0.0.1:9';
const SANDBOX_SECRET = 'sandbox-fuzz-secret';

const WEBHOOK_MODULES = CONNECTOR_MODULES.filter((m) => m.manifest.webhook !== null);

/** Every webhook connector configured: required settings, signing secret, optional tokens. */
function connectorEnv(): Record<string, string> {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const special: Record<string, string> = {
    'docusign.PRIVATE_KEY': rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    'sendgrid.WEBHOOK_PUBLIC_KEY': ec.publicKey
      .export({ format: 'der', type: 'spki' })
      .toString('base64'),
    'ringcentral.FROM': '+14155550100',
    'sendgrid.FROM': 'Oak Court <office@oakcourt.example>',
    'mailgun.FROM': 'Oak Court <office@oakcourt.example>',
    'mailgun.DOMAIN': 'mg.oakcourt.example',
  };
  const extra = ['INBOUND_PARSE_TOKEN', 'WEBHOOK_TOKEN', 'CHANNEL_ID'];
  const env: Record<string, string> = {};
  for (const { manifest: m } of WEBHOOK_MODULES) {
    env[settingEnvName(m.id, 'BASE_URL')] = NOWHERE;
    for (const s of m.settings) {
      if (!s.required && s.key !== m.webhook?.secretSetting && !extra.includes(s.key)) continue;
      env[settingEnvName(m.id, s.key)] =
        special[`${m.id}.${s.key}`] ??
        (s.key.endsWith('_URL')
          ? NOWHERE
          : /(^|_)(BOARD|SHEET|REALM|ADMIN)_ID$/.test(s.key)
            ? '4242'
            : `fuzz-${m.id}-${s.key.toLowerCase()}`);
    }
  }
  return env;
}

/** Connectors whose provider verifies the URL with an unsigned request (see their manifests). */
const UNSIGNED_HANDSHAKES = ['ringcentral', 'smartsheet'];

/** What a webhook may write; compared before and after every refused request. */
const TABLES = [
  'webhook_events',
  'replies',
  'suggestions',
  'events',
  'holds',
  'outbox',
  'outbox_transitions',
  'tasks',
  'audit',
] as const;

// ---------------------------------------------------------------------------------------
// Random requests

const SIGNATURE_HEADERS = [
  'x-twilio-signature',
  'verification-token',
  'validation-token',
  'x-twilio-email-event-webhook-signature',
  'x-twilio-email-event-webhook-timestamp',
  'lob-signature',
  'lob-signature-timestamp',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'x-hub-signature',
  'x-hubspot-signature-v3',
  'x-hubspot-request-timestamp',
  'authorization',
  'smartsheet-hmac-sha256',
  'smartsheet-hook-challenge',
  'x-arrears-webhook-key',
  'x-request-id',
  'x-docusign-signature-1',
  'x-adobesign-clientid',
  'intuit-signature',
  'x-xero-signature',
  'stripe-signature',
  'x-okta-verification-challenge',
  'x-arrears-signature',
  'x-arrears-secret',
  'x-event-id',
] as const;

const headerValue = fc.oneof(
  fc.constantFrom(
    '',
    't=1791302400,v1=00',
    `t=${NOW / 1000},v1=${'ab'.repeat(32)}`,
    `t=${NOW / 1000},v1=${'ab'.repeat(32)},v1=zz`,
    'v0=deadbeef',
    'sha1=deadbeef',
    'sha256=deadbeef',
    'Bearer x.y.z',
    'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln',
    'AAAA',
    '====',
    String(NOW / 1000),
    'fuzz',
  ),
  fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.base64String({ maxLength: 88 }),
  fc.stringMatching(/^[0-9a-f]{1,128}$/),
);

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/cloudevents+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'multipart/form-data',
  'text/plain',
  'text/xml',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'image/png',
  ';;;',
);

const formBody = fc
  .dictionary(
    fc.constantFrom('From', 'To', 'Body', 'MessageSid', 'token', 'signature', 'timestamp', 'x'),
    fc.string({ maxLength: 30 }),
  )
  .map((d) => new URLSearchParams(d).toString());

const jsonBody = fc
  .oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        id: fc.string({ maxLength: 12 }),
        type: fc.constantFrom(
          'message.received',
          'message.status',
          'url_verification',
          'event_callback',
          'ping',
        ),
        challenge: fc.string({ maxLength: 12 }),
        token: fc.string({ maxLength: 12 }),
        signature: fc.record({
          timestamp: fc.constant(String(NOW / 1000)),
          token: fc.string({ maxLength: 12 }),
          signature: fc.string({ maxLength: 64 }),
        }),
        event: fc.jsonValue({ maxDepth: 2 }),
        data: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    ),
  )
  .map((v) => JSON.stringify(v));

const body = fc.oneof(
  jsonBody,
  formBody,
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.constant('{"broken'),
  fc.constant(''),
);

const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      fc.constantFrom('token', 'code', 'parse_token', 'bodySHA256', 'account', 'x'),
      fc.string({ maxLength: 16 }),
      { minKeys: 1, maxKeys: 3 },
    )
    .map((d) => `?${new URLSearchParams(d).toString()}`),
);

const request = fc.record({
  /** An index into the registry's connectors, or past its end: an unknown id. */
  connector: fc.nat({ max: 29 }),
  contentType,
  body,
  query,
  headers: fc.dictionary(fc.constantFrom(...SIGNATURE_HEADERS), headerValue, { maxKeys: 4 }),
});

forEachDialect('webhooks under fuzzing', (h) => {
  let dir: string;
  let rt: Runtime;
  let app: FastifyInstance;
  let ids: string[];

  const rowCounts = async (): Promise<Record<string, number>> => {
    const { rows } = await sql<Record<string, number | string>>`select ${sql.join(
      TABLES.map((t) => sql`(select count(*) from ${sql.table(t)}) as ${sql.ref(t)}`),
    )}`.execute(rt.db.kysely);
    return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arrears-webhook-fuzz-'));
    rt = await openRuntime({
      db: h.url,
      cwd: dir,
      clock: fixedClock(NOW),
      env: {
        ...connectorEnv(),
        ARREARS_SANDBOX_WEBHOOK_SECRET: SANDBOX_SECRET,
        ARREARS_PUBLIC_URL: PUBLIC,
      },
    });
    app = await serverAppFor(rt, { logLevel: 'silent', publicUrl: PUBLIC, log: () => {} });
    ids = [...sandboxConnectorsFor(rt), ...connectorsFor(rt).webhooks].map((c) => c.id);
  });
  afterAll(async () => {
    await app?.close();
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a webhook for every shipped connector that has one, and the sandbox channels', () => {
    expect(ids).toEqual(expect.arrayContaining(WEBHOOK_MODULES.map((m) => m.manifest.id)));
    expect(ids).toEqual(expect.arrayContaining(['sandbox-sms', 'sandbox-email']));
  });

  it('unsigned or badly signed requests: a problem (never 5xx) and nothing written', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const before = await rowCounts();
        const id = ids[r.connector] ?? `no-such-${r.connector}`;
        const res = await app.inject({
          method: 'POST',
          url: `/webhooks/${id}${r.query}`,
          headers: {
            ...r.headers,
            ...(r.contentType === undefined ? {} : { 'content-type': r.contentType }),
          },
          payload: r.body,
        });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode, `${id}: ${res.body}`).toBeLessThan(500);
        // The only answers that are no refusal: the providers' unsigned URL verifications,
        // echoed back (and, since the handshake flag, never recorded).
        if (res.statusCode < 300) expect(UNSIGNED_HANDSHAKES).toContain(id);
        if (res.statusCode >= 400) {
          expect(res.headers['content-type']).toContain('application/problem+json');
          expect(res.json()).toMatchObject({ status: res.statusCode, type: expect.any(String) });
        }
        expect(await rowCounts()).toEqual(before);
      }),
      { numRuns: 200 },
    );
    // The requests reached the signature checks, not just the router's 404.
    expect(seen.get(401) ?? 0).toBeGreaterThan(50);
  });

  it('correctly signed sandbox replies and receipts with hostile fields: 200 or 400, never 5xx', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.constantFrom(
        'STOP',
        'I will pay $500 on friday',
        'ya pagué',
        'Ana\u0000Ruiz',
        '\u0000',
        'x'.repeat(20_000),
      ),
    );
    const field = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        '+14155550101',
        'ana@example.com',
        '2026-10-06T16:00:00Z',
        '2026-99-99',
        'not a date',
        '\u0000',
      ),
    );
    const payload = fc.record(
      {
        id: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('a\u0000b', '\u0000')),
        type: fc.constantFrom('message.received', 'message.status', 'other'),
        from: field,
        to: field,
        text,
        subject: field,
        channel: fc.constantFrom('sms', 'email', 'voice', 'fax'),
        status: fc.constantFrom(
          'delivered',
          'bounced',
          'failed',
          'undelivered',
          'returned',
          'nope',
        ),
        messageId: field,
        key: field,
        at: field,
        receivedAt: field,
        html: fc.constantFrom('<p>I paid</p>', '<script>x</script>', '<<<'),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('sandbox-sms', 'sandbox-email'),
        payload,
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded'),
        async (id, p, type) => {
          const raw =
            type === 'application/json'
              ? JSON.stringify(p)
              : new URLSearchParams(p as Record<string, string>).toString();
          const send = () =>
            app.inject({
              method: 'POST',
              url: `/webhooks/${id}`,
              headers: {
                'content-type': type,
                'x-arrears-signature': signSandboxWebhook(SANDBOX_SECRET, raw, NOW / 1000),
              },
              payload: raw,
            });
          const res = await send();
          expect([200, 400], `${id} ${raw.slice(0, 300)}: ${res.body.slice(0, 300)}`).toContain(
            res.statusCode,
          );
          const again = await send();
          expect(again.statusCode).toBe(200);
          expect(again.json()).toMatchObject({ duplicate: true });
        },
      ),
      { numRuns: 40 },
    );
  });
});

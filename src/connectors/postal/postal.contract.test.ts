import { createHash, createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  manifestProblems,
  outboxItem,
  type Harness,
} from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { NewProof } from '../../app/ports/documents.js';
import type { MailEvent, MailEventResult } from '../../app/record-mail-event.js';
import type { ProofOfService } from '../../domain/documents/proof.js';
import { samplePolicy, samplePortfolio } from '../../domain/documents/testing.js';
import { renderNoticePdf } from '../../documents/render-pdf.js';
import { createDocumentSender, type PrintMailRequest } from '../../outbox/document-sender.js';
import { lobError, startLobFake, type LobFake } from './fake-server.js';
import { postalConnector } from './index.js';

const API_KEY = 'test_0dc8d51e0acffcb1880e0f19c79b2f5b0cc';
const SECRET = 'lob_webhook_secret_contract';
let lob: LobFake;

beforeEach(async () => {
  lob = await startLobFake({ apiKey: API_KEY, webhookSecret: SECRET });
});
afterEach(() => lob.close());

function harness(env: Record<string, string | undefined> = {}) {
  return connectorHarness(postalConnector, {
    ARREARS_POSTAL_API_KEY: API_KEY,
    ARREARS_POSTAL_WEBHOOK_SECRET: SECRET,
    ARREARS_POSTAL_BASE_URL: lob.url,
    ...env,
  });
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function request(over: Partial<PrintMailRequest> = {}): PrintMailRequest {
  return {
    idempotencyKey: 'S-1:1:pre-lien-notice:notice',
    method: 'first_class',
    document: { sha256: sha256(PDF), bytes: PDF, pages: 1 },
    to: { name: 'Dana Whitfield', addressLines: ['415 S Lake Ave', 'Apt 9', 'Pasadena, CA 91101'] },
    from: { name: 'Arroyo Self Storage', addressLines: ['1450 E Walnut St', 'Pasadena, CA 91106'] },
    mailDate: '2026-10-16',
    ...over,
  };
}

const mail = (h: Harness, over: Partial<PrintMailRequest> = {}) =>
  h.instance.printMail!.mail(request(over));

/** The sink answers for the proofs it knows (by tracking number), like record-mail-event. */
function knownProofs(h: Harness, trackingNumbers: string[]) {
  const calls: MailEvent[] = [];
  h.ctx.inbound.mailEvent = (event) => {
    calls.push(event);
    if (!trackingNumbers.includes(event.trackingNumber)) return Promise.resolve(null);
    h.inbound.mailEvents.push(event);
    return Promise.resolve({
      proofId: `S-1:1:pre-lien-notice:notice@${event.trackingNumber}`,
      leaseId: 'S-1',
      outboxKey: 'S-1:1:pre-lien-notice:notice',
      appended: true,
      proofStatus: event.type,
      outboxStatus: event.type === 'delivered' ? 'delivered' : 'failed',
      serviceFailed: event.type !== 'delivered',
      reserveTasks: [],
    } satisfies MailEventResult);
  };
  return calls;
}

/** Signed as the reference documents: hex HMAC-SHA256(secret, `<timestamp>.<raw body>`). */
function signed(raw: string, secret = SECRET, timestamp = String(Math.floor(Date.now() / 1000))) {
  return {
    'content-type': 'application/json',
    'lob-signature': createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex'),
    'lob-signature-timestamp': timestamp,
  };
}

async function post(h: Harness, raw: string, headers: Record<string, string>) {
  const app = await h.webhookApp();
  try {
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/postal',
      payload: raw,
      headers,
    });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  } finally {
    await app.close();
  }
}

describe('postal connector (Lob letters)', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(postalConnector)).toEqual([]);
  });

  it('mails a first-class letter: multipart with the documented fields, Basic auth, the PDF and the idempotency key', async () => {
    const answer = await mail(harness());
    const [letter] = [...lob.letters.values()];
    expect(answer).toEqual({
      tag: 'accepted',
      providerId: letter!.letter.id,
      // First class has no USPS number: the letter id is what Lob's events name.
      trackingNumber: letter!.letter.id,
      certificateRef: null,
    });
    expect(letter!.letter.id).toMatch(/^ltr_/);
    const req = lob.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/letters');
    expect(req.headers.authorization).toBe(
      `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`,
    );
    expect(req.headers['idempotency-key']).toBe('S-1:1:pre-lien-notice:notice');
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(letter!.fields).toEqual({
      description: 'Arrears notice S-1:1:pre-lien-notice:notice',
      'to[name]': 'Dana Whitfield',
      'to[address_line1]': '415 S Lake Ave',
      'to[address_line2]': 'Apt 9',
      'to[address_city]': 'Pasadena',
      'to[address_state]': 'CA',
      'to[address_zip]': '91101',
      'to[address_country]': 'US',
      'from[name]': 'Arroyo Self Storage',
      'from[address_line1]': '1450 E Walnut St',
      'from[address_city]': 'Pasadena',
      'from[address_state]': 'CA',
      'from[address_zip]': '91106',
      'from[address_country]': 'US',
      color: 'false',
      use_type: 'operational',
      mail_type: 'usps_first_class',
      address_placement: 'insert_blank_page',
      'metadata[arrears_key]': 'S-1:1:pre-lien-notice:notice',
      'metadata[document_sha256]': sha256(PDF),
      'metadata[mail_date]': '2026-10-16',
    });
    expect(Buffer.from(letter!.file as Uint8Array).equals(PDF)).toBe(true);
  });

  it('asks for certified mail with extra_service certified; the tracking number is the receipt number', async () => {
    const answer = await mail(harness(), { method: 'certified_mail' });
    const [letter] = [...lob.letters.values()];
    expect(letter!.fields.extra_service).toBe('certified');
    expect(letter!.fields.mail_type).toBe('usps_first_class');
    const tracking = letter!.letter.tracking_number as string;
    expect(tracking).toMatch(/^9407\d{18}$/);
    expect(answer).toEqual({
      tag: 'accepted',
      providerId: letter!.letter.id,
      trackingNumber: tracking,
      certificateRef: tracking,
    });
  });

  it('asks for the electronic return receipt with extra_service certified_return_receipt', async () => {
    await mail(harness(), { method: 'certified_mail_e_return_receipt' });
    expect([...lob.letters.values()][0]!.fields.extra_service).toBe('certified_return_receipt');
  });

  it('prints in colour and pins the API version when configured', async () => {
    await mail(
      harness({
        ARREARS_POSTAL_COLOR: 'true',
        ARREARS_POSTAL_LOB_VERSION: '2020-02-11',
        ARREARS_POSTAL_ADDRESS_PLACEMENT: 'top_first_page',
      }),
    );
    const [letter] = [...lob.letters.values()];
    expect(letter!.fields).toMatchObject({ color: 'true', address_placement: 'top_first_page' });
    expect(lob.requests[0]!.headers['lob-version']).toBe('2020-02-11');
  });

  it('the same idempotency key mails one letter however often it is asked', async () => {
    const h = harness();
    const first = await mail(h, { method: 'certified_mail' });
    const again = await mail(h, { method: 'certified_mail' });
    expect(again).toEqual(first);
    expect(lob.requests).toHaveLength(2);
    expect(lob.letterCount()).toBe(1);
    expect(h.instance.printMail!.idempotent).toBe(true);
  });

  it('a replay answering a letter made from another PDF is unknown, not a proof naming the wrong document', async () => {
    const h = harness();
    await mail(h);
    const other = Buffer.from('%PDF-1.4\n% rendered the next day\n');
    const answer = await mail(h, { document: { sha256: sha256(other), bytes: other, pages: 1 } });
    expect(answer).toMatchObject({ tag: 'unknown' });
    expect(lob.letterCount()).toBe(1);
  });

  it('refuses a certificate of mailing (Lob has none) without calling Lob', async () => {
    expect(await mail(harness(), { method: 'first_class_certificate_of_mailing' })).toMatchObject({
      tag: 'rejected',
      code: 'method_not_offered',
    });
    expect(lob.requests).toHaveLength(0);
  });

  it("rejects a tenant address it cannot read, naming the fix on the lease's tenant address", async () => {
    const answer = await mail(harness(), {
      to: { name: 'Dana Whitfield', addressLines: ['415 S Lake Ave', 'Pasadena'] },
    });
    expect(answer).toMatchObject({ tag: 'rejected', code: 'bad_address' });
    const reason = (answer as { reason: string }).reason;
    expect(reason).toMatch(/tenant's mailing address/);
    expect(reason).toMatch(
      /Correct the tenant's address on the lease of delivery S-1:1:pre-lien-notice:notice/,
    );
    expect(reason).toMatch(/`City, ST 94110`/);
    expect(lob.requests).toHaveLength(0);
    const badFrom = await mail(harness(), { from: { name: 'Arroyo', addressLines: [] } });
    expect(badFrom).toMatchObject({ tag: 'rejected', code: 'bad_return_address' });
  });

  it('Lob refuses a letter missing a required field with its 422 error shape', async () => {
    const auth = `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`;
    const send = async (fields: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      const res = await fetch(`${lob.url}/v1/letters`, {
        method: 'POST',
        body: form,
        headers: { authorization: auth },
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const to = {
      'to[name]': 'Dana Whitfield',
      'to[address_line1]': '415 S Lake Ave',
      'to[address_city]': 'Pasadena',
      'to[address_state]': 'CA',
      'to[address_zip]': '91101',
    };
    const from = Object.fromEntries(
      Object.entries(to).map(([k, v]) => [k.replace('to', 'from'), v]),
    );
    expect(await send({ ...from, file: 'https://example.com/n.pdf', color: 'false' })).toEqual({
      status: 422,
      body: { error: { message: 'to is required', status_code: 422, code: 'invalid' } },
    });
    expect(await send({ ...to, ...from, color: 'false', use_type: 'operational' })).toMatchObject({
      status: 422,
      body: { error: { message: 'file is required', code: 'invalid' } },
    });
    expect(
      await send({ ...to, ...from, file: 'https://example.com/n.pdf', color: 'false' }),
    ).toMatchObject({ status: 422, body: { error: { code: 'mail_use_type_can_not_be_null' } } });
    const { 'to[address_zip]': _zip, ...noZip } = to;
    expect(
      await send({ ...noZip, ...from, file: 'x.pdf', color: 'true', use_type: 'operational' }),
    ).toMatchObject({
      status: 422,
      body: { error: { message: 'to.address_zip is required' } },
    });
    expect(lob.letterCount()).toBe(0);
  });

  it("a file Lob refuses is `rejected` with Lob's code", async () => {
    const notPdf = Buffer.from('<html>not a pdf</html>');
    const answer = await mail(harness(), {
      document: { sha256: sha256(notPdf), bytes: notPdf, pages: 1 },
    });
    expect(answer).toEqual({
      tag: 'rejected',
      code: 'invalid_file',
      reason: 'file is not a valid PDF or HTML file',
    });
  });

  it('bad credentials: Lob answers 401 unauthorized; the delivery waits for the key to be fixed', async () => {
    const h = harness({ ARREARS_POSTAL_API_KEY: 'test_wrong' });
    const answer = await mail(h);
    expect(answer).toMatchObject({ tag: 'retryable' });
    expect((answer as { reason: string }).reason).toMatch(
      /credentials refused: Your API key is not valid/,
    );
    expect(lob.letterCount()).toBe(0);
    const res = await fetch(`${lob.url}/v1/letters?limit=1`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { status_code: 401, code: 'unauthorized' } });
  });

  it('retries a 429 after its Retry-After, then mails once', async () => {
    lob.failNext(
      1,
      429,
      { 'retry-after': '0' },
      lobError(429, 'rate_limit_exceeded', 'Please wait 5 seconds'),
    );
    const answer = await mail(harness());
    expect(answer.tag).toBe('accepted');
    expect(lob.requests).toHaveLength(2);
    expect(lob.requests[1]!.headers['idempotency-key']).toBe('S-1:1:pre-lien-notice:notice');
    expect(lob.letterCount()).toBe(1);
  });

  it('a 429 asking for a longer wait than a call may sleep becomes retry_after', async () => {
    lob.failNext(
      1,
      429,
      { 'retry-after': '120' },
      lobError(429, 'rate_limit_exceeded', 'slow down'),
    );
    expect(await mail(harness())).toMatchObject({ tag: 'retry_after' });
  });

  it('retries 5xx with the same idempotency key, then mails once', async () => {
    lob.failNext(2, 503, {}, lobError(503, 'service_unavailable', 'Service unavailable'));
    const answer = await mail(harness());
    expect(answer.tag).toBe('accepted');
    expect(lob.requests).toHaveLength(3);
    expect(new Set(lob.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(lob.letterCount()).toBe(1);
  });

  it('`connectors test postal` lists one letter: ok with the key, not ok without', async () => {
    expect(await harness().instance.verify()).toMatchObject({
      ok: true,
      detail: 'GET /v1/letters?limit=1 answered 200 (test key)',
    });
    expect(lob.requests[0]!.path).toBe('/v1/letters');
    expect(lob.requests[0]!.query.get('limit')).toBe('1');
    const bad = await harness({ ARREARS_POSTAL_API_KEY: 'test_wrong' }).instance.verify();
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/401.*API key is not valid/);
  });

  it('the fake answers GET /v1/letters/{id}', async () => {
    await mail(harness(), { method: 'certified_mail' });
    const [letter] = [...lob.letters.values()];
    const auth = { authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}` };
    const res = await fetch(`${lob.url}/v1/letters/${letter!.letter.id}`, { headers: auth });
    expect(await res.json()).toMatchObject({ id: letter!.letter.id, extra_service: 'certified' });
    const missing = await fetch(`${lob.url}/v1/letters/ltr_nope`, { headers: auth });
    expect(missing.status).toBe(404);
  });
});

describe('postal webhook (Lob tracking events)', () => {
  async function certifiedLetter(h: Harness) {
    await mail(h, { method: 'certified_mail' });
    return [...lob.letters.values()][0]!.letter;
  }

  it('a delivery signed as documented is handed to the proof of service', async () => {
    const h = harness();
    const letter = await certifiedLetter(h);
    knownProofs(h, [letter.tracking_number as string]);
    const event = lob.event(letter.id, {
      step: 'delivered',
      name: 'Delivered',
      details: { event: 'delivered', description: 'Delivered, left with individual' },
    });
    const raw = JSON.stringify(event);
    const res = await post(h, raw, signed(raw));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      received: true,
      eventId: event.id,
      recorded: true,
      type: 'delivered',
    });
    const scan = letter.tracking_events[0]!;
    expect(h.inbound.mailEvents).toEqual([
      {
        trackingNumber: letter.tracking_number,
        type: 'delivered',
        at: scan.time,
        eventId: event.id,
        detail: 'Delivered, left with individual (91101)',
      },
    ]);
  });

  it('a certified letter returned refused is a `refused` carrier event', async () => {
    const h = harness();
    const letter = await certifiedLetter(h);
    knownProofs(h, [letter.tracking_number as string]);
    const event = lob.event(letter.id, {
      step: 'returned_to_sender',
      name: 'Returned to Sender',
      details: { event: 'returned_to_sender', description: 'Refused - return to sender' },
    });
    const raw = JSON.stringify(event);
    expect((await post(h, raw, signed(raw))).status).toBe(200);
    expect(h.inbound.mailEvents.map((e) => e.type)).toEqual(['refused']);
  });

  it('a first-class letter is found by its letter id', async () => {
    const h = harness();
    const answer = await mail(h);
    const providerId = (answer as { providerId: string }).providerId;
    knownProofs(h, [providerId]);
    const raw = JSON.stringify(
      lob.event(providerId, { step: 'returned_to_sender', name: 'Returned to Sender' }),
    );
    expect((await post(h, raw, signed(raw))).body).toMatchObject({
      recorded: true,
      type: 'returned',
    });
    expect(h.inbound.mailEvents).toMatchObject([{ trackingNumber: providerId, type: 'returned' }]);
  });

  it('a proof holding the letter id is found when the event carries a tracking number', async () => {
    const h = harness();
    const letter = await certifiedLetter(h);
    const calls = knownProofs(h, [letter.id]);
    const raw = JSON.stringify(lob.event(letter.id, { step: 'delivered', name: 'Delivered' }));
    expect((await post(h, raw, signed(raw))).body).toMatchObject({ recorded: true });
    expect(calls.map((c) => c.trackingNumber)).toEqual([letter.tracking_number, letter.id]);
  });

  it('steps on the way, other events and unknown letters are acknowledged, not recorded', async () => {
    const h = harness();
    const letter = await certifiedLetter(h);
    const calls = knownProofs(h, []);
    const transit = JSON.stringify(
      lob.event(letter.id, { step: 'in_transit', name: 'In Transit' }),
    );
    expect((await post(h, transit, signed(transit))).body).toMatchObject({ recorded: false });
    const odd = JSON.stringify({
      id: 'evt_odd',
      event_type: { id: 'letter.something_new' },
      body: {},
    });
    expect((await post(h, odd, signed(odd))).body).toMatchObject({
      received: true,
      recorded: false,
    });
    const failed = JSON.stringify({
      id: 'evt_f',
      event_type: { id: 'letter.failed' },
      reference_id: letter.id,
      body: letter,
    });
    expect((await post(h, failed, signed(failed))).status).toBe(200);
    expect(calls).toHaveLength(0);
    const stranger = JSON.stringify(lob.event(letter.id, { step: 'delivered', name: 'Delivered' }));
    expect((await post(h, stranger, signed(stranger))).body).toMatchObject({
      recorded: false,
      ignored: 'unknown letter',
    });
    expect(h.inbound.mailEvents).toHaveLength(0);
  });

  it('accepts a millisecond timestamp too (the unit is not documented)', async () => {
    const h = harness();
    const letter = await certifiedLetter(h);
    knownProofs(h, [letter.tracking_number as string]);
    const raw = JSON.stringify(lob.event(letter.id, { step: 'delivered', name: 'Delivered' }));
    expect((await post(h, raw, signed(raw, SECRET, String(Date.now())))).status).toBe(200);
  });

  it('refuses a forged, a tampered, a stale and an unsigned event with 401', async () => {
    const h = harness();
    const letter = await certifiedLetter(h);
    knownProofs(h, [letter.tracking_number as string]);
    const raw = JSON.stringify(lob.event(letter.id, { step: 'delivered', name: 'Delivered' }));
    expect((await post(h, raw, signed(raw, 'not-the-secret'))).status).toBe(401);
    const tampered = raw.replace('"Delivered"', '"Returned to Sender"');
    expect((await post(h, tampered, signed(raw))).status).toBe(401);
    const stale = String(Math.floor(Date.now() / 1000) - 6 * 60);
    expect((await post(h, raw, signed(raw, SECRET, stale))).status).toBe(401);
    expect((await post(h, raw, { 'content-type': 'application/json' })).status).toBe(401);
    expect(h.inbound.mailEvents).toHaveLength(0);
  });

  it('the same event delivered twice is recorded once', async () => {
    const h = harness();
    const letter = await certifiedLetter(h);
    knownProofs(h, [letter.tracking_number as string]);
    const event = lob.event(letter.id, { step: 'delivered', name: 'Delivered' });
    const raw = JSON.stringify(event);
    const app = await h.webhookApp();
    try {
      const send = () =>
        app.inject({ method: 'POST', url: '/webhooks/postal', payload: raw, headers: signed(raw) });
      expect((await send()).json()).toMatchObject({ eventId: event.id, recorded: true });
      expect((await send()).json()).toEqual({ received: true, duplicate: true, eventId: event.id });
    } finally {
      await app.close();
    }
    expect(h.inbound.mailEvents).toHaveLength(1);
  });

  it('without a webhook secret the webhook is refused (503)', async () => {
    const h = harness({ ARREARS_POSTAL_WEBHOOK_SECRET: undefined });
    expect(h.instance.webhook!.secretConfigured).toBe(false);
    const raw = JSON.stringify({ id: 'evt_1', event_type: { id: 'letter.delivered' } });
    expect((await post(h, raw, signed(raw))).status).toBe(503);
  });

  it("the fake posts a letter's journey over time, signed; only its delivery is recorded", async () => {
    const h = harness();
    const letter = await certifiedLetter(h);
    knownProofs(h, [letter.tracking_number as string]);
    const app = await h.webhookApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const posted = await lob.track(letter.id, `http://127.0.0.1:${port}/webhooks/postal`, {
        outcome: 'delivered',
        intervalMs: 5,
      });
      expect(posted.map((p) => [p.eventType, p.status])).toEqual([
        ['letter.certified.mailed', 200],
        ['letter.certified.in_transit', 200],
        ['letter.certified.in_local_area', 200],
        ['letter.certified.processed_for_delivery', 200],
        ['letter.certified.delivered', 200],
      ]);
      const returned = await lob.track(letter.id, `http://127.0.0.1:${port}/webhooks/postal`, {
        outcome: 'unclaimed',
      });
      expect(returned.every((p) => p.status === 200)).toBe(true);
    } finally {
      await app.close();
    }
    expect(h.inbound.mailEvents.map((e) => [e.trackingNumber, e.type])).toEqual([
      [letter.tracking_number, 'delivered'],
      [letter.tracking_number, 'unclaimed'],
    ]);
  });
});

describe('the document sender mailing through Lob', () => {
  it('renders the notice, uploads the very PDF it stored, and records the proof with Lob’s numbers', async () => {
    const h = harness();
    const portfolio = samplePortfolio();
    const stored = new Map<string, Uint8Array>();
    const proofs: NewProof[] = [];
    const sender = createDocumentSender({
      clock: fixedClock(Date.parse('2026-10-16T17:30:00Z')),
      portfolio: {
        loadPortfolio: (_org, ids) =>
          Promise.resolve({
            ...portfolio,
            leases: portfolio.leases.filter((l) => ids === undefined || ids.includes(l.id)),
          }),
      },
      policies: {
        current: () =>
          Promise.resolve([
            {
              policy: samplePolicy(),
              version: 1,
              author: 'test',
              createdAt: '2026-10-01T00:00:00Z',
            },
          ]),
      },
      documents: {
        storeDocument(_org, doc) {
          const sha = sha256(doc.bytes);
          stored.set(sha, doc.bytes);
          return Promise.resolve({ sha256: sha, created: true });
        },
        recordProof(_org, proof) {
          proofs.push(proof);
          return Promise.resolve({ proof: proof as unknown as ProofOfService, created: true });
        },
      },
      render: renderNoticePdf,
      provider: h.instance.printMail!,
    });
    const notice = (lease: string, contact: string) =>
      outboxItem({
        key: `${lease}:1:pre-lien-notice:notice`,
        leaseId: lease,
        type: 'document',
        channel: null,
        method: 'certified_mail',
        action: 'notice',
        stage: 'pre-lien-notice',
        contactId: contact,
        payload: { template: 'pre-lien-notice' },
      });

    const outcome = await sender.send(notice('S-1', 'T-1'), {
      idempotencyKey: 'S-1:1:pre-lien-notice:notice',
    });
    const [letter] = [...lob.letters.values()];
    expect(outcome).toEqual({ tag: 'accepted', externalId: letter!.letter.id });
    expect(sender.idempotent).toBe(true);

    // The bytes Lob received are a PDF, and exactly the document stored and named by the proof.
    const uploaded = letter!.file as Uint8Array;
    expect(Buffer.from(uploaded.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const [proof] = proofs;
    expect(sha256(uploaded)).toBe(proof!.documentSha256);
    expect(stored.has(sha256(uploaded))).toBe(true);
    expect(letter!.fields['metadata[document_sha256]']).toBe(proof!.documentSha256);
    expect(proof).toMatchObject({
      provider: 'postal',
      providerId: letter!.letter.id,
      method: 'certified',
      trackingNumber: letter!.letter.tracking_number,
      certificateRef: letter!.letter.tracking_number,
      servedOn: '2026-10-16',
    });
    expect(letter!.fields).toMatchObject({
      extra_service: 'certified',
      'to[name]': 'Dana Whitfield',
      'to[address_line1]': '415 S Lake Ave',
      'to[address_line2]': 'Apt 9',
      'to[address_city]': 'Pasadena',
      'to[address_state]': 'CA',
      'to[address_zip]': '91101',
      'from[address_line1]': '1450 E Walnut St',
      'from[address_zip]': '91106',
    });

    // The Spanish occupant's one-line address is read too.
    const es = await sender.send(notice('S-2', 'T-2'), {
      idempotencyKey: 'S-2:1:pre-lien-notice:notice',
    });
    expect(es.tag).toBe('accepted');
    expect(lob.byKey('S-2:1:pre-lien-notice:notice')!.fields).toMatchObject({
      'to[name]': 'Lucía Hernández',
      'to[address_line1]': '1820 N Fair Oaks Ave',
      'to[address_city]': 'Pasadena',
      'to[address_zip]': '91103',
    });

    // Lob's delivery scan for the letter finds the proof by the number it recorded.
    knownProofs(h, [proof!.trackingNumber!]);
    const raw = JSON.stringify(
      lob.event(letter!.letter.id, { step: 'delivered', name: 'Delivered' }),
    );
    expect((await post(h, raw, signed(raw))).body).toMatchObject({ recorded: true });
    expect(h.inbound.mailEvents[0]!.trackingNumber).toBe(proof!.trackingNumber);
  });
});

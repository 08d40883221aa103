import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { ConnectorLog } from '../context.js';
import { gateConnector } from './index.js';
import { startGateFake, type GateFake } from './fake-server.js';

const TOKEN = 'gate-token-for-tests';
const SECRET = 'gate-webhook-secret';

let fake: GateFake;
beforeEach(async () => {
  fake = await startGateFake({ apiToken: TOKEN, webhookSecret: SECRET, units: ['B-104', 'C-7'] });
});
afterEach(() => fake.close());

function harness(over: Record<string, string | undefined> = {}) {
  return connectorHarness(gateConnector, {
    ARREARS_GATE_API_TOKEN: TOKEN,
    ARREARS_GATE_WEBHOOK_SECRET: SECRET,
    ARREARS_GATE_BASE_URL: fake.url,
    ...over,
  });
}

const access = (
  lists: { deny?: string[]; restore?: string[] },
  over: Partial<OutboxItem> = {},
  unit: string | null = 'B-104',
) =>
  outboxItem({
    key: 'S-1:1:lock-out:gate',
    leaseId: 'S-1',
    stage: 'lock-out',
    action: 'gate',
    type: 'access',
    channel: null,
    contactId: null,
    payload: { date: '2026-10-20', ...lists, ...(unit ? { unit } : {}) },
    ...over,
  });

const restoreItem = () =>
  access({ restore: ['gate'] }, { key: 'S-1:1:$close:gate-restore', stage: '$close' });

/** The documented signature, computed here independently of the connector. */
const sign = (raw: string, t: number, secret = SECRET) =>
  `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex')}`;

describe('gate connector: access:gate', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(gateConnector)).toEqual([]);
  });

  it('gate deny: POST /units/{unit}/lockout with the outbox key as Idempotency-Key', async () => {
    const outcome = await harness().send('access:gate', access({ deny: ['gate', 'portal'] }));
    const lockout = fake.lockouts.get('B-104')!;
    expect(outcome).toEqual({ tag: 'accepted', externalId: lockout.id });
    const [req] = fake.requests;
    expect(`${req!.method} ${req!.path}`).toBe('POST /units/B-104/lockout');
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req!.headers['idempotency-key']).toBe('S-1:1:lock-out:gate');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.json).toEqual({
      leaseId: 'S-1',
      reference: 'S-1:1:lock-out:gate',
      reason: 'delinquency',
    });
  });

  it('a replayed send is answered from the Idempotency-Key: one lockout', async () => {
    const h = harness();
    const first = await h.send('access:gate', access({ deny: ['gate'] }));
    const again = await h.send('access:gate', access({ deny: ['gate'] }));
    expect(again).toEqual(first);
    expect(fake.lockouts.size).toBe(1);
  });

  it('gate restore: DELETE /units/{unit}/lockout lifts it; restoring again is still a success', async () => {
    const h = harness();
    await h.send('access:gate', access({ deny: ['gate'] }));
    const id = fake.lockouts.get('B-104')!.id;
    expect(await h.send('access:gate', restoreItem())).toEqual({ tag: 'accepted', externalId: id });
    const del = fake.requests.at(-1)!;
    expect(`${del.method} ${del.path}`).toBe('DELETE /units/B-104/lockout');
    expect(del.headers['idempotency-key']).toBe('S-1:1:$close:gate-restore');
    expect(del.raw.byteLength).toBe(0);
    expect(fake.lockouts.size).toBe(0);
    expect((await h.send('access:gate', restoreItem())).tag).toBe('accepted');
  });

  it("a missing required field is refused the contract's way and fails the item with its code", async () => {
    const direct = await fetch(`${fake.url}/units/B-104/lockout`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        'idempotency-key': 'k1',
      },
      body: JSON.stringify({ reference: 'S-1:1:lock-out:gate' }),
    });
    expect(direct.status).toBe(422);
    expect(await direct.json()).toEqual({
      error: { code: 'missing_field', message: 'leaseId is required', field: 'leaseId' },
    });
    const noKey = await fetch(`${fake.url}/units/B-104/lockout`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(noKey.status).toBe(400);
    expect(
      await harness().send('access:gate', access({ deny: ['gate'] }, { leaseId: '' })),
    ).toEqual({ tag: 'rejected', code: 'missing_field', reason: 'leaseId is required' });
  });

  it('an unknown unit is rejected with the code; no unit at all is rejected before calling', async () => {
    expect(
      await harness().send('access:gate', access({ deny: ['gate'] }, {}, 'Z-99')),
    ).toMatchObject({ tag: 'rejected', code: 'unit_not_found' });
    fake.requests.length = 0;
    expect(await harness().send('access:gate', access({ deny: ['gate'] }, {}, null))).toMatchObject(
      { tag: 'rejected', code: 'unit_unknown' },
    );
    expect(await harness().send('access:gate', access({ deny: ['portal'] }))).toMatchObject({
      tag: 'rejected',
      code: 'no_gate_target',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('bad credentials: 401 unauthorized; the item waits for the operator', async () => {
    const outcome = await harness({ ARREARS_GATE_API_TOKEN: 'nope' }).send(
      'access:gate',
      access({ deny: ['gate'] }),
    );
    expect(outcome).toEqual({
      tag: 'retryable',
      reason: 'credentials refused: invalid or missing API token',
    });
    expect(fake.lockouts.size).toBe(0);
  });

  it('a 429 is retried after Retry-After, then locks out once', async () => {
    fake.failNext(
      1,
      429,
      { 'retry-after': '0' },
      { error: { code: 'rate_limited', message: 'slow down' } },
    );
    expect((await harness().send('access:gate', access({ deny: ['gate'] }))).tag).toBe('accepted');
    expect(fake.requests).toHaveLength(2);
    expect(fake.lockouts.size).toBe(1);
  });

  it('a lasting 429 becomes retry_after', async () => {
    fake.failNext(
      4,
      429,
      { 'retry-after': '120' },
      { error: { code: 'rate_limited', message: 'slow down' } },
    );
    expect(await harness().send('access:gate', access({ deny: ['gate'] }))).toMatchObject({
      tag: 'retry_after',
      reason: 'rate_limited slow down',
    });
  });

  it('a 5xx is retried with the same Idempotency-Key, then locks out once', async () => {
    fake.failNext(2, 503);
    expect((await harness().send('access:gate', access({ deny: ['gate'] }))).tag).toBe('accepted');
    expect(fake.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'S-1:1:lock-out:gate',
      'S-1:1:lock-out:gate',
      'S-1:1:lock-out:gate',
    ]);
    expect(fake.lockouts.size).toBe(1);
  });

  it('needs ARREARS_GATE_BASE_URL: there is no public default', () => {
    expect(() => harness({ ARREARS_GATE_BASE_URL: undefined })).toThrow(/ARREARS_GATE_BASE_URL/);
  });
});

describe('gate connector: /webhooks/gate', () => {
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

  async function post(raw: string, headers: Record<string, string>, times = 1) {
    const app = await h.webhookApp();
    try {
      const out = [];
      for (let i = 0; i < times; i++)
        out.push(
          await app.inject({ method: 'POST', url: '/webhooks/gate', payload: raw, headers }),
        );
      return out;
    } finally {
      await app.close();
    }
  }

  it('a keypad event signed as documented is acknowledged and logged, once', async () => {
    const raw = JSON.stringify({
      id: 'gev_1',
      type: 'access.denied',
      unit: 'B-104',
      occurredAt: '2026-10-21T14:02:00Z',
      credential: 'keypad',
    });
    const headers = {
      'content-type': 'application/json',
      'x-arrears-signature': sign(raw, Math.floor(Date.now() / 1000)),
    };
    const [first, second] = await post(raw, headers, 2);
    expect(first!.statusCode).toBe(200);
    expect(first!.json()).toEqual({
      received: true,
      duplicate: false,
      eventId: 'gev_1',
      type: 'access.denied',
    });
    expect(second!.json()).toMatchObject({ duplicate: true, eventId: 'gev_1' });
    expect(logged).toEqual([
      {
        message: 'gate event',
        fields: expect.objectContaining({
          type: 'access.denied',
          unit: 'B-104',
          credential: 'keypad',
        }),
      },
    ]);
  });

  it("the fake's own signed callbacks are accepted", async () => {
    const e = fake.event('access.granted', 'C-7');
    const [res] = await post(e.raw, e.headers);
    expect(res!.json()).toMatchObject({ received: true, eventId: e.id, type: 'access.granted' });
  });

  it('a forged, a tampered, an unsigned and a stale callback are refused with 401', async () => {
    const e = fake.event('access.granted', 'B-104');
    const now = Math.floor(Date.now() / 1000);
    const [forged] = await post(e.raw, {
      ...e.headers,
      'x-arrears-signature': sign(e.raw, now, 'other'),
    });
    const [tampered] = await post(e.raw.replace('B-104', 'B-105'), e.headers);
    const { 'x-arrears-signature': _, ...bare } = e.headers;
    const [unsigned] = await post(e.raw, bare);
    const [stale] = await post(e.raw, {
      ...e.headers,
      'x-arrears-signature': sign(e.raw, now - 600),
    });
    expect([forged, tampered, unsigned, stale].map((r) => r!.statusCode)).toEqual([
      401, 401, 401, 401,
    ]);
    expect(logged).toEqual([]);
  });

  it('a signed body that is not a contract event is answered 400', async () => {
    const raw = JSON.stringify({ id: 'gev_x', type: 'door.opened', unit: 'B-104' });
    const [res] = await post(raw, {
      'content-type': 'application/json',
      'x-arrears-signature': sign(raw, Math.floor(Date.now() / 1000)),
    });
    expect(res!.statusCode).toBe(400);
  });

  it('with no webhook secret configured every callback is refused (503)', async () => {
    h = harness({ ARREARS_GATE_WEBHOOK_SECRET: undefined });
    const e = fake.event('access.denied', 'B-104');
    const [res] = await post(e.raw, e.headers);
    expect(res!.statusCode).toBe(503);
  });
});

describe('gate connector: connectors test', () => {
  it('GET /status answers for a good token, and not for a bad one', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    expect(await harness({ ARREARS_GATE_API_TOKEN: 'nope' }).instance.verify()).toMatchObject({
      ok: false,
      detail: expect.stringContaining('401'),
    });
  });
});

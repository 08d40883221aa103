/** The sandbox provider, the sender registry and the HTTP sender against a local fake. */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../../test/support/fake-provider.js';
import type { OutboxItem } from '../app/ports/outbox.js';
import { createHttpSender, retryAt } from './http-sender.js';
import { createSandboxSender } from './sandbox-sender.js';
import { defaultSenders, senderRegistry } from './senders.js';
import { iso, newItem, scriptedSender, T0 } from './testing.js';

function outboxItem(key: string, over: Partial<OutboxItem> = {}): OutboxItem {
  const n = newItem(key);
  return {
    orgId: 'default',
    key,
    leaseId: n.leaseId,
    episode: n.episode,
    stage: n.stage,
    action: n.action,
    type: n.type,
    channel: n.channel,
    method: n.method,
    contactId: n.contactId,
    status: 'dispatching',
    reason: null,
    payload: n.payload,
    pastDueCents: n.pastDueCents,
    policyId: n.policyId,
    policyVersion: n.policyVersion,
    amountCents: null,
    approvalsRequired: 1,
    version: 1,
    dueAt: n.dueAt,
    attempts: 1,
    claimedBy: 'w',
    claimExpiresAt: null,
    provider: null,
    providerId: null,
    createdAt: iso(T0),
    updatedAt: iso(T0),
    ...over,
  };
}

describe('sandbox sender', () => {
  it('accepts everything, once per key, and records no content', async () => {
    const seen: string[] = [];
    const sandbox = createSandboxSender({ onDelivery: (d) => seen.push(d.key) });
    const a = outboxItem('L1:1:s:a');
    const first = await sandbox.send(a, { idempotencyKey: a.key });
    const again = await sandbox.send(a, { idempotencyKey: a.key });
    expect(first).toEqual(again);
    expect(first).toMatchObject({
      tag: 'accepted',
      externalId: expect.stringMatching(/^sandbox_[0-9a-f]{24}$/),
    });
    await sandbox.send(outboxItem('L1:1:s:b'), { idempotencyKey: 'L1:1:s:b' });
    expect(seen).toEqual(['L1:1:s:a', 'L1:1:s:b']);
    expect(sandbox.delivery('L1:1:s:a')).toMatchObject({
      requests: 2,
      channel: 'sms',
      contentSha256: expect.any(String),
    });
    expect(JSON.stringify(sandbox.deliveries())).not.toContain('your rent');
    expect(sandbox.idempotent).toBe(true);
  });
});

describe('sender registry', () => {
  it('routes by type:method, type:channel, type, then *', () => {
    const [sms, doc, certified, any] = ['sms', 'doc', 'certified', 'any'].map((id) =>
      scriptedSender({ id }),
    );
    const reg = senderRegistry({
      'message:sms': sms!,
      document: doc!,
      'document:certified_mail': certified!,
      '*': any!,
    });
    expect(reg.senderFor(outboxItem('a'))?.id).toBe('sms');
    expect(
      reg.senderFor(outboxItem('b', { type: 'document', channel: null, method: 'certified_mail' }))
        ?.id,
    ).toBe('certified');
    expect(
      reg.senderFor(outboxItem('c', { type: 'document', channel: null, method: 'email' }))?.id,
    ).toBe('doc');
    expect(reg.senderFor(outboxItem('d', { type: 'fee', channel: null, method: null }))?.id).toBe(
      'any',
    );
    expect(senderRegistry({}).senderFor(outboxItem('e'))).toBeUndefined();
    expect(defaultSenders().senderFor(outboxItem('f', { type: 'access' }))?.id).toBe('sandbox');
  });
});

describe('HTTP sender', () => {
  let fake: FakeProvider | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });
  const item = outboxItem('L1:1:late-notice:sms');
  const ctx = { idempotencyKey: item.key };

  it('sends the key as Idempotency-Key only when idempotent; 2xx → accepted', async () => {
    fake = await startFakeProvider();
    const api = createHttpSender({ id: 'api', url: fake.url, idempotent: true });
    const smtp = createHttpSender({ id: 'smtp', url: fake.url, idempotent: false });
    const a = await api.send(item, ctx);
    const b = await api.send(item, ctx);
    expect(a).toEqual({ tag: 'accepted', externalId: 'fk_1' });
    expect(b).toEqual(a); // the fake deduplicated the second request
    expect(await smtp.send(item, ctx)).toEqual({ tag: 'accepted', externalId: 'fk_2' });
    expect(fake.log.map((r) => r.idempotencyKey)).toEqual([item.key, item.key, null]);
    expect(fake.requests.get(item.key)).toBe(3);
    expect(fake.effects.get(item.key)).toBe(2);
    expect(fake.log[0]!.body).toMatchObject({
      key: item.key,
      leaseId: 'L1',
      channel: 'sms',
      payload: item.payload,
    });
  });

  it('maps answers to outcome tags', async () => {
    const answers: Record<
      string,
      { status: number; headers?: Record<string, string>; body?: unknown }
    > = {
      '429': { status: 429, headers: { 'retry-after': '30' } },
      '503': { status: 503, body: { message: 'maintenance' } },
      '500': { status: 500, body: { error: 'boom' } },
      '400': { status: 400, body: { code: 21211, message: "The 'To' number is not valid" } },
      '404': { status: 404 },
    };
    fake = await startFakeProvider({ script: (r) => answers[r.key] });
    const now = () => T0;
    const api = createHttpSender({ id: 'api', url: fake.url, idempotent: true, now });
    const smtp = createHttpSender({ id: 'smtp', url: fake.url, idempotent: false, now });
    const send = (s: typeof api, key: string) => s.send(outboxItem(key), { idempotencyKey: key });
    expect(await send(api, '429')).toEqual({
      tag: 'retry_after',
      at: iso(T0 + 30_000),
      reason: 'HTTP 429',
    });
    expect(await send(api, '503')).toEqual({ tag: 'retryable', reason: 'HTTP 503: maintenance' });
    expect(await send(api, '500')).toEqual({ tag: 'retryable', reason: 'HTTP 500: boom' });
    expect(await send(smtp, '500')).toEqual({ tag: 'unknown', reason: 'HTTP 500: boom' });
    expect(await send(smtp, '400')).toEqual({
      tag: 'rejected',
      code: '21211',
      reason: "The 'To' number is not valid",
    });
    expect(await send(api, '404')).toMatchObject({ tag: 'rejected', code: '404' });
  });

  it('a provider not reached is retryable; a lost answer is unknown unless idempotent', async () => {
    const gone = await startFakeProvider();
    await gone.close(); // nothing listens on its port any more
    const refused = createHttpSender({ id: 'x', url: gone.url, idempotent: false });
    fake = await startFakeProvider({ delayMs: 2000 });
    expect(await refused.send(item, ctx)).toMatchObject({
      tag: 'retryable',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    const slowSmtp = createHttpSender({
      id: 'smtp',
      url: fake.url,
      idempotent: false,
      timeoutMs: 100,
    });
    expect(await slowSmtp.send(item, ctx)).toMatchObject({ tag: 'unknown' });
    const slowApi = createHttpSender({
      id: 'api',
      url: fake.url,
      idempotent: true,
      timeoutMs: 100,
    });
    expect(await slowApi.send(item, ctx)).toMatchObject({ tag: 'retryable' });
    // The fake acted on both although neither client heard the answer.
    expect(fake.effects.get(item.key)).toBe(2);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAt('120', T0)).toBe(iso(T0 + 120_000));
    expect(retryAt('Wed, 07 Oct 2026 16:00:00 GMT', T0)).toBe('2026-10-07T16:00:00.000Z');
    expect(retryAt('soon', T0)).toBeUndefined();
    expect(retryAt(null, T0)).toBeUndefined();
  });
});

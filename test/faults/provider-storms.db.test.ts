/**
 * Provider storms, on SQLite and PostgreSQL: the real dispatcher (the batched pass the
 * worker runs) sends through real HTTP senders to a local fake provider that answers 5xx,
 * 429 with Retry-After, or nothing at all for a while. The clock stands still between
 * passes and jumps to when the retries are due, as a worker would meet them.
 *
 * Whatever the storm, once it ends every SMS (idempotent sender, `Idempotency-Key` header)
 * has exactly one effect at the provider, every retry is an `outbox.approved` entry in the
 * audit log with the provider's answer, and a non-idempotent send whose answer was lost (a
 * 500, a timeout) is `unknown` and never sent again.
 */
import { afterEach, expect, it } from 'vitest';
import type { DispatchCounts } from '../../src/app/dispatch-outbox.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import type { Sender } from '../../src/app/ports/outbox.js';
import { webhookConnector } from '../../src/connectors/webhook/index.js';
import { startWebhookReceiver } from '../../src/connectors/webhook/fake-server.js';
import type { RetryPolicy } from '../../src/domain/outbox/outcomes.js';
import { createDispatcher } from '../../src/outbox/dispatcher.js';
import { createHttpSender } from '../../src/outbox/http-sender.js';
import { senderRegistry } from '../../src/outbox/senders.js';
import { newItem, scriptedRecheck } from '../../src/outbox/testing.js';
import type { Db } from '../../src/storage/database.js';
import { readChain, verifyAudit } from '../../src/storage/repos/audit-repo.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';
import { createOutboxRepo, subjectOf } from '../../src/storage/repos/outbox-repo.js';
import { connectorHarness } from '../support/connectors.js';
import { forEachDialect, type DialectHarness } from '../support/databases.js';
import {
  startFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
} from '../support/fake-provider.js';

const T0 = Date.parse('2026-10-06T16:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const RETRY: RetryPolicy = { baseMs: 10_000, maxMs: 60_000, maxAttempts: 5, minDelayMs: 1_000 };

const sms = (i: number) => `L${i}:1:late-notice:sms`;
const email = (i: number) => `L${i}:1:late-notice:email`;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An organisation of its own with these items approved and due, and a dispatcher for it. */
async function outboxWith(
  h: DialectHarness,
  orgId: string,
  keys: string[],
  senders: (now: () => number) => Record<string, Sender>,
  options: { concurrency?: number; retry?: RetryPolicy; now?: number } = {},
) {
  const db = await h.openMigrated();
  const clock = fixedClock(options.now ?? T0 + 1000);
  await ensureOrganisation(db, { id: orgId, name: orgId, at: iso(T0 - 86_400_000) });
  const outbox = createOutboxRepo(db, clock);
  const dueAt = iso((options.now ?? T0 + 1000) - 1000);
  await db.transaction((trx) =>
    outbox.insertItems(
      trx,
      orgId,
      keys.map((key) => {
        const [leaseId, , , channel] = key.split(':') as [string, string, string, string];
        return newItem(key, {
          leaseId,
          action: channel,
          channel,
          method: channel,
          approvalsRequired: 0,
          dueAt,
        });
      }),
      'system:scan',
    ),
  );
  const dispatcher = createDispatcher({
    outbox,
    clock,
    recheck: scriptedRecheck(),
    // The senders read Retry-After against the dispatcher's clock.
    senders: senderRegistry(senders(() => clock.now())),
    orgId,
    workerId: `w-${orgId}`,
    batchSize: 5,
    retry: options.retry ?? RETRY,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  const items = async () =>
    new Map((await outbox.list(orgId, { limit: 1000 })).items.map((i) => [i.key, i]));
  /** Moves the clock on to when every retry is due (backoffs differ by a key's jitter). */
  const afterBackoff = async () => {
    const due = [...(await items()).values()]
      .filter((i) => i.status === 'approved')
      .map((i) => Date.parse(i.dueAt));
    if (due.length > 0) clock.set(Math.max(clock.now(), ...due));
  };
  return { db, clock, outbox, dispatcher, items, afterBackoff };
}

/** The fake provider; `answer` (changed between passes) scripts a storm, unset: 201 `{id}`. */
async function provider() {
  const storm: { answer?: FakeProviderOptions['script'] } = {};
  const fake = await startFakeProvider({ script: (r) => storm.answer?.(r) });
  closers.push(() => fake.close());
  return { fake, storm };
}

const httpSenders = (fake: FakeProvider, timeoutMs?: number) => (now: () => number) => {
  const common = { url: fake.url, now, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  return {
    'message:sms': createHttpSender({ ...common, id: 'fake-api', idempotent: true }),
    'message:email': createHttpSender({ ...common, id: 'fake-smtp', idempotent: false }),
  };
};

/** The audit trail of one item after its creation: `type outcome reason` per entry. */
async function trail(db: Db, orgId: string, key: string): Promise<string[]> {
  const entries = (await readChain(db, orgId)).filter((e) => e.subject === subjectOf(key));
  return entries.slice(1).map((e) => {
    const d = e.data as { reason?: string | null; outcome?: string };
    return [e.type, d.outcome, d.reason].filter((x) => x != null && x !== '').join(' ');
  });
}

const only = (counts: DispatchCounts) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

forEachDialect('provider storms', (h) => {
  it('a 5xx storm: SMS retried with backoff until it passes, one effect each; an e-mail answered 500 becomes unknown and is not sent again', async () => {
    const { fake, storm } = await provider();
    const keys = [...[0, 1, 2, 3, 4, 5].map(sms), ...[0, 1, 2].map(email)];
    const o = await outboxWith(h, 'storm5xx', keys, httpSenders(fake));

    // 503 Service Unavailable: the provider did not act; both kinds of send may be repeated.
    storm.answer = () => ({ status: 503, body: { message: 'overloaded' } });
    expect(only(await o.dispatcher.runOnce())).toEqual({ claimed: 9, retried: 9 });
    // 500: an SMS is repeated under its key; an e-mail may have gone out: unknown.
    await o.afterBackoff();
    storm.answer = () => ({ status: 500, body: { message: 'upstream exploded' } });
    expect(only(await o.dispatcher.runOnce())).toEqual({ claimed: 9, retried: 6, unknown: 3 });
    // The storm is over.
    storm.answer = undefined;
    await o.afterBackoff();
    expect(only(await o.dispatcher.runOnce())).toEqual({ claimed: 6, sent: 6 });
    o.clock.advance(3_600_000);
    expect(only(await o.dispatcher.runOnce())).toEqual({});

    const items = await o.items();
    for (const key of keys.filter((k) => k.endsWith(':sms'))) {
      expect(items.get(key)).toMatchObject({ status: 'sent', attempts: 3, provider: 'fake-api' });
      expect({ key, requests: fake.requests.get(key), effects: fake.effects.get(key) }).toEqual({
        key,
        requests: 3,
        effects: 1,
      });
      for (const r of fake.log.filter((l) => l.key === key)) expect(r.idempotencyKey).toBe(key);
      expect(await trail(o.db, 'storm5xx', key)).toEqual([
        'outbox.dispatching',
        'outbox.approved retryable retryable: HTTP 503: overloaded',
        'outbox.dispatching',
        'outbox.approved retryable retryable: HTTP 500: upstream exploded',
        'outbox.dispatching',
        'outbox.sent accepted',
      ]);
    }
    for (const key of keys.filter((k) => k.endsWith(':email'))) {
      expect(items.get(key)).toMatchObject({
        status: 'unknown',
        reason: 'outcome_lost: HTTP 500: upstream exploded',
        attempts: 2,
      });
      expect(fake.requests.get(key)).toBe(2); // the 503, then the 500; never again
      expect(fake.log.filter((l) => l.key === key).every((l) => l.idempotencyKey === null)).toBe(
        true,
      );
    }
    expect((await verifyAudit(o.db)).ok).toBe(true);
  });

  it('a 429 storm: nothing is sent before the Retry-After the provider gave (seconds or a date); then each item once', async () => {
    const { fake, storm } = await provider();
    const keys = [...[0, 1, 2, 3, 4].map(sms), ...[0, 1].map(email)];
    const start = T0 + 1000;
    const o = await outboxWith(h, 'storm429', keys, httpSenders(fake), {
      concurrency: 3,
      now: start,
    });
    const dispatcher = o.dispatcher;

    storm.answer = () => ({ status: 429, headers: { 'retry-after': '120' } });
    expect(only(await dispatcher.runOnce())).toEqual({ claimed: 7, retried: 7 });
    for (const item of (await o.items()).values())
      expect(item).toMatchObject({ status: 'approved', dueAt: iso(start + 120_000) });
    const requests = fake.log.length;
    o.clock.set(start + 60_000);
    expect(only(await dispatcher.runOnce())).toEqual({});
    expect(fake.log.length).toBe(requests); // the provider asked for quiet: it got it

    const until = start + 300_000;
    storm.answer = () => ({
      status: 429,
      headers: { 'retry-after': new Date(until).toUTCString() },
    });
    o.clock.set(start + 120_000);
    expect(only(await dispatcher.runOnce())).toEqual({ claimed: 7, retried: 7 });
    for (const item of (await o.items()).values()) expect(item.dueAt).toBe(iso(until));

    storm.answer = undefined;
    o.clock.set(until - 1000);
    expect(only(await dispatcher.runOnce())).toEqual({});
    o.clock.set(until);
    expect(only(await dispatcher.runOnce())).toEqual({ claimed: 7, sent: 7 });

    for (const key of keys) {
      expect((await o.items()).get(key)).toMatchObject({ status: 'sent', attempts: 3 });
      // 429 means "not processed": repeating it is safe even without an idempotency key.
      expect({ key, requests: fake.requests.get(key), effects: fake.effects.get(key) }).toEqual({
        key,
        requests: 3,
        effects: 1,
      });
      const retries = (await readChain(o.db, 'storm429')).filter(
        (e) => e.subject === subjectOf(key) && e.type === 'outbox.approved',
      );
      expect(retries.map((e) => e.data)).toEqual([
        expect.objectContaining({
          outcome: 'retry_after',
          reason: 'retry_after: HTTP 429',
          retryAt: iso(start + 120_000),
        }),
        expect.objectContaining({ outcome: 'retry_after', retryAt: iso(until) }),
      ]);
    }
    expect((await verifyAudit(o.db)).ok).toBe(true);
  });

  it('a provider that stalls past the timeout: an SMS is repeated under its key (one effect); an e-mail becomes unknown and is never sent again', async () => {
    // The provider acts on arrival and answers only after 600 ms while it stalls.
    const stall: FakeProviderOptions = { delayMs: 600 };
    const fake = await startFakeProvider(stall);
    closers.push(() => fake.close());
    const keys = [sms(0), sms(1), email(0), email(1)];
    const o = await outboxWith(h, 'stall', keys, httpSenders(fake, 150));

    expect(only(await o.dispatcher.runOnce())).toEqual({ claimed: 4, retried: 2, unknown: 2 });
    const lost = await o.items();
    for (const key of [email(0), email(1)])
      expect(lost.get(key)).toMatchObject({
        status: 'unknown',
        reason: 'outcome_lost: TimeoutError: no answer within 150 ms',
        provider: 'fake-smtp',
      });
    for (const key of [sms(0), sms(1)])
      expect(lost.get(key)).toMatchObject({
        status: 'approved',
        reason: 'retryable: TimeoutError: no answer within 150 ms',
      });

    stall.delayMs = 0; // the provider is fast again
    await o.afterBackoff();
    expect(only(await o.dispatcher.runOnce())).toEqual({ claimed: 2, sent: 2 });
    o.clock.advance(86_400_000);
    expect(only(await o.dispatcher.runOnce())).toEqual({});

    const items = await o.items();
    for (const key of [sms(0), sms(1)]) {
      // Sent twice under one key, acted on once; the id is the one of the first request.
      expect({ requests: fake.requests.get(key), effects: fake.effects.get(key) }).toEqual({
        requests: 2,
        effects: 1,
      });
      const first = fake.log.find((l) => l.key === key)!;
      expect(items.get(key)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(items.get(key)!.providerId).toMatch(/^fk_\d+$/);
      expect(first.idempotencyKey).toBe(key);
    }
    for (const key of [email(0), email(1)]) {
      // The provider did act on it; the worker never heard, and never asked again.
      expect({ requests: fake.requests.get(key), effects: fake.effects.get(key) }).toEqual({
        requests: 1,
        effects: 1,
      });
      expect(items.get(key)!.status).toBe('unknown');
      expect(await trail(o.db, 'stall', key)).toEqual([
        'outbox.dispatching',
        'outbox.unknown unknown outcome_lost: TimeoutError: no answer within 150 ms',
      ]);
    }
    expect((await verifyAudit(o.db)).ok).toBe(true);
  });

  it('a provider down for good: each attempt is recorded, and after the last the item fails with the reason (nothing left hanging)', async () => {
    const { fake, storm } = await provider();
    storm.answer = () => ({ status: 502, body: { message: 'bad gateway' } });
    const retry = { ...RETRY, maxAttempts: 3 };
    const o = await outboxWith(h, 'down', [sms(0)], httpSenders(fake), {
      retry,
    });
    const passes: Record<string, number>[] = [];
    for (let i = 0; i < 5; i++) {
      passes.push(only(await o.dispatcher.runOnce()));
      await o.afterBackoff();
    }
    expect(passes).toEqual([
      { claimed: 1, retried: 1 },
      { claimed: 1, retried: 1 },
      { claimed: 1, failed: 1 },
      {},
      {},
    ]);
    expect((await o.items()).get(sms(0))).toMatchObject({
      status: 'failed',
      attempts: 3,
      reason: 'retries_exhausted: 3 attempts; last: HTTP 502: bad gateway',
    });
    expect(fake.requests.get(sms(0))).toBe(3);
    expect((await verifyAudit(o.db)).ok).toBe(true);
  });

  it('through a connector (connectors/http.ts): short Retry-After waits are retried inside the call, a long one goes back to the outbox; one delivery', async () => {
    // The receiver checks signatures against the real time: the clock starts there.
    const receiver = await startWebhookReceiver('whsec');
    closers.push(() => receiver.close());
    const now = Date.now();
    const hook = (i: number) => `L${i}:1:late-notice:webhook`;
    const o = await outboxWith(
      h,
      'connector',
      [],
      (clock) => {
        const connector = connectorHarness(
          webhookConnector,
          { ARREARS_WEBHOOK_SECRET: 'whsec' },
          { clock: { now: clock } },
        );
        return { webhook: connector.instance.senders!.webhook! };
      },
      { now },
    );
    const dispatcher = o.dispatcher;
    const add = (key: string) =>
      o.db.transaction((trx) =>
        o.outbox.insertItems(
          trx,
          'connector',
          [
            newItem(key, {
              type: 'webhook',
              action: 'webhook',
              channel: null,
              method: null,
              approvalsRequired: 0,
              dueAt: iso(o.clock.now() - 1000),
              payload: { url: receiver.url, event: 'late' },
            }),
          ],
          'system:scan',
        ),
      );

    // Two 429s with `Retry-After: 0` and a 503: the connector waits and repeats inside the
    // one call (up to three times); the outbox sees a single attempt, accepted.
    await add(hook(0));
    receiver.fault(2, { status: 429, headers: { 'retry-after': '0' } });
    receiver.fault(1, { status: 503 });
    expect(only(await dispatcher.runOnce())).toEqual({ claimed: 1, sent: 1 });
    expect(receiver.requests).toHaveLength(4);
    expect((await o.items()).get(hook(0))).toMatchObject({ status: 'sent', attempts: 1 });

    // Retry-After: 30 is longer than a call may wait (5 s): the outbox schedules it.
    await add(hook(1));
    receiver.fault(1, { status: 429, headers: { 'retry-after': '30' }, body: 'slow down' });
    expect(only(await dispatcher.runOnce())).toEqual({ claimed: 1, retried: 1 });
    const waiting = (await o.items()).get(hook(1))!;
    expect(waiting).toMatchObject({ status: 'approved', reason: 'retry_after: 429 "slow down"' });
    expect(Date.parse(waiting.dueAt) - o.clock.now()).toBe(30_000);
    o.clock.advance(10_000);
    expect(only(await dispatcher.runOnce())).toEqual({});
    o.clock.advance(20_000);
    expect(only(await dispatcher.runOnce())).toEqual({ claimed: 1, sent: 1 });

    // Every request carried the item's key; the receiver kept each delivery once.
    for (const r of receiver.requests) {
      expect(r.headers['idempotency-key']).toBe(r.headers['x-arrears-delivery']);
    }
    expect([...receiver.delivered.keys()].sort()).toEqual([hook(0), hook(1)]);
    expect(
      receiver.requests.filter((r) => r.headers['x-arrears-delivery'] === hook(1)),
    ).toHaveLength(2);
    expect((await verifyAudit(o.db)).ok).toBe(true);
  });
});

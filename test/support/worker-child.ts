/**
 * A dispatch worker in a child process, for crash and shutdown tests:
 *
 *   fork('test/support/worker-child.ts', [], { execArgv: ['--import', 'tsx'], env: {
 *     WORKER_DB, WORKER_PROVIDER_URL, WORKER_ID, WORKER_LEASE_MS, WORKER_INTERVAL_MS,
 *     WORKER_BATCH } })
 *
 * SMS items go to the fake provider through an idempotent HTTP sender (`fake-api`, with an
 * Idempotency-Key header), e-mail items through a non-idempotent one (`fake-smtp`). The
 * re-check always says go. It stops gracefully on SIGTERM / SIGINT (exit 0) and tells its
 * parent `{type: 'ready'}` and `{type: 'stopped', summary}` over IPC.
 */
import { fixedClock, systemClock } from '../../src/app/ports/clock.js';
import type { Recheck } from '../../src/app/ports/outbox.js';
import { createDispatcher } from '../../src/outbox/dispatcher.js';
import { createHttpSender } from '../../src/outbox/http-sender.js';
import { senderRegistry } from '../../src/outbox/senders.js';
import { abortOnSignals, runWorker } from '../../src/outbox/worker.js';
import { openDatabase } from '../../src/storage/database.js';
import { createOutboxRepo } from '../../src/storage/repos/outbox-repo.js';

const env = process.env;
const need = (name: string): string => {
  const v = env[name];
  if (!v) throw new Error(`worker-child: ${name} is not set`);
  return v;
};
const workerId = need('WORKER_ID');
const url = need('WORKER_PROVIDER_URL');
const headers = { 'x-worker': workerId };

const db = await openDatabase(need('WORKER_DB'));
const clock = env.WORKER_NOW ? fixedClock(Date.parse(env.WORKER_NOW)) : systemClock;
const recheck: Recheck = (item) => Promise.resolve({ ok: true, pastDueCents: item.pastDueCents });
const dispatcher = createDispatcher({
  outbox: createOutboxRepo(db, clock),
  clock,
  recheck,
  workerId,
  senders: senderRegistry({
    'message:sms': createHttpSender({ id: 'fake-api', url, idempotent: true, headers }),
    'message:email': createHttpSender({ id: 'fake-smtp', url, idempotent: false, headers }),
  }),
  leaseMs: Number(env.WORKER_LEASE_MS ?? 2000),
  batchSize: Number(env.WORKER_BATCH ?? 5),
});

const controller = new AbortController();
abortOnSignals(controller);
process.send?.({ type: 'ready', workerId });
const summary = await runWorker(dispatcher, {
  signal: controller.signal,
  intervalMs: Number(env.WORKER_INTERVAL_MS ?? 50),
  onError: (e) =>
    process.stderr.write(`${workerId}: ${e instanceof Error ? e.stack : String(e)}\n`),
});
await db.close();
if (process.send) {
  await new Promise<void>((resolve) =>
    process.send!({ type: 'stopped', workerId, summary }, undefined, {}, () => resolve()),
  );
  process.disconnect();
}
process.exitCode = 0;

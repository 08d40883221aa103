/**
 * Each worker pass also publishes the audit log's public events (case opened / closed,
 * action sent / failed, reply received) to the Zapier REST-hook subscriptions, when the
 * Zapier connector is on (app/publish-events.ts).
 */
import type { Dispatcher } from '../../outbox/dispatcher.js';
import { publishEvents } from '../../app/publish-events.js';
import { hookDeliveryOf } from '../../connectors/zapier/index.js';
import { sendAlerts } from '../../app/send-alerts.js';
import { writeBack } from '../../app/write-back.js';
import { alertMemoryRepo } from '../../storage/repos/alert-memory-repo.js';
import { createHealthRepo } from '../../storage/repos/health-repo.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { connectorsFor, writeBackDepsFor, type Runtime } from '../../main.js';
import { hookSubscriptionsRepo } from '../../storage/repos/hook-subscriptions-repo.js';
import type { CliContext } from '../context.js';

/**
 * The dispatcher with `step` run before (or after) each of its passes. A step that fails is
 * reported on stderr (`what failed: …`) and the pass goes on: a CRM that is down must not
 * stop the outbox.
 */
export function withPassStep(
  dispatcher: Dispatcher,
  ctx: CliContext,
  what: string,
  step: (signal?: AbortSignal) => Promise<void>,
  when: 'before' | 'after' = 'before',
): Dispatcher {
  const run = async (signal?: AbortSignal) => {
    try {
      await step(signal);
    } catch (e) {
      ctx.stderr(`${what} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  };
  return {
    workerId: dispatcher.workerId,
    release: () => dispatcher.release(),
    async runOnce(signal) {
      if (when === 'before') await run(signal);
      const counts = await dispatcher.runOnce(signal);
      if (when === 'after') await run(signal);
      return counts;
    },
  };
}

export function withEventPublishing(
  rt: Runtime,
  ctx: CliContext,
  dispatcher: Dispatcher,
): Dispatcher {
  const delivery = connectorsFor(rt)
    .instances.map(hookDeliveryOf)
    .find((d) => d !== undefined);
  if (!delivery) return dispatcher;
  const log = {
    info: () => undefined,
    warn: (fields: Record<string, unknown>, message: string) =>
      ctx.stderr(`hooks: ${message} ${JSON.stringify(fields)}\n`),
  };
  const deps = { hooks: hookSubscriptionsRepo(rt.db), clock: rt.clock, delivery, log };
  return withPassStep(dispatcher, ctx, 'event publishing', async () => {
    await publishEvents(deps, rt.orgId);
  });
}

/**
 * Each worker pass also writes the case events to every configured write-back sink (CRM,
 * sheets, trackers, helpdesk: app/write-back.ts), each from its own cursor.
 */
export function withWriteBack(rt: Runtime, ctx: CliContext, dispatcher: Dispatcher): Dispatcher {
  const sinks = connectorsFor(rt).instances.flatMap((i) =>
    i.sink ? [{ id: i.id, sink: i.sink }] : [],
  );
  if (sinks.length === 0) return dispatcher;
  const deps = writeBackDepsFor(rt);
  return withPassStep(dispatcher, ctx, 'write-back', async (signal) => {
    const report = await writeBack(deps, rt.orgId, sinks, signal ? { signal } : {});
    for (const [id, reason] of Object.entries(report.stopped))
      ctx.stderr(`write-back ${id}: ${reason}\n`);
  });
}

/**
 * Each worker pass ends with the staff alerts (app/send-alerts.ts) to every connector that
 * posts alerts (Slack): new drafts to approve, failed or unknown items, no scan today.
 */
export function withAlerts(rt: Runtime, ctx: CliContext, dispatcher: Dispatcher): Dispatcher {
  const sinks = connectorsFor(rt).instances.flatMap((i) =>
    i.notify ? [{ id: i.id, notify: i.notify.bind(i) }] : [],
  );
  if (sinks.length === 0) return dispatcher;
  const health = createHealthRepo(rt.db, rt.orgId);
  const deps = {
    outbox: createOutboxRepo(rt.db, rt.clock),
    outboxCounts: () => health.outboxCounts(),
    lastScanFinishedAt: () => health.lastScanFinishedAt(),
    memory: alertMemoryRepo(rt.db),
    clock: rt.clock,
    ...(rt.env.ARREARS_PUBLIC_URL
      ? { dashboardUrl: rt.env.ARREARS_PUBLIC_URL.replace(/\/+$/, '') }
      : {}),
  };
  return withPassStep(
    dispatcher,
    ctx,
    'alerts',
    async () => {
      const r = await sendAlerts(deps, rt.orgId, sinks);
      for (const f of r.failed) ctx.stderr(`alert ${f.kind} to ${f.sink}: ${f.detail}\n`);
    },
    'after',
  );
}

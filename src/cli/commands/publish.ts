/**
 * Each worker pass also publishes the audit log's public events (case opened / closed,
 * action sent / failed, reply received) to the Zapier REST-hook subscriptions, when the
 * Zapier connector is on (app/publish-events.ts).
 */
import type { Dispatcher } from '../../outbox/dispatcher.js';
import { publishEvents } from '../../app/publish-events.js';
import { hookDeliveryOf } from '../../connectors/zapier/index.js';
import { connectorsFor, type Runtime } from '../../main.js';
import { hookSubscriptionsRepo } from '../../storage/repos/hook-subscriptions-repo.js';
import type { CliContext } from '../context.js';

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
  return {
    workerId: dispatcher.workerId,
    release: () => dispatcher.release(),
    async runOnce(signal) {
      try {
        await publishEvents(deps, rt.orgId);
      } catch (e) {
        ctx.stderr(`event publishing failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
      return dispatcher.runOnce(signal);
    },
  };
}

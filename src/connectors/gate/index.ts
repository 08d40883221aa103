/**
 * `gate`: lockout and restore of a unit at the site's gate / smart-lock system, over
 * Arrears' own HTTP contract (manifest.ts). Configured by `ARREARS_GATE_API_TOKEN` and
 * `ARREARS_GATE_BASE_URL`; its callbacks need `ARREARS_GATE_WEBHOOK_SECRET`.
 *
 * It takes `access:gate`: an access item whose `deny` / `restore` list names `gate`. The unit
 * is the lease's; the connector context has no lease lookup yet (see the report), so it is
 * `leaseOf(item)` when the context offers one, else `item.payload.unit`; without either the
 * item fails with `unit_unknown` rather than locking the wrong door.
 */
import { InputError } from '../../domain/errors.js';
import type { OutboxItem } from '../../app/ports/outbox.js';
import { settingEnvName, type ConnectorModule } from '../contract.js';
import type { ConnectorContext } from '../context.js';
import { createGateClient } from './client.js';
import { manifest } from './manifest.js';
import { gateChangeOf, unitOfPayload } from './map.js';
import { gateWebhook } from './webhooks.js';

/** The lookup the context should offer (RecipientLookup.leaseOf, proposed). */
interface LeaseLookup {
  leaseOf?(item: OutboxItem): Promise<{ leaseId: string; unit: string } | null>;
}

async function unitOf(ctx: ConnectorContext, item: OutboxItem): Promise<string | undefined> {
  const lookup = (ctx.recipients as ConnectorContext['recipients'] & LeaseLookup).leaseOf;
  const lease = lookup ? await lookup(item) : null;
  return lease?.unit ?? unitOfPayload(item);
}

export const gateConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const baseUrl = ctx.settings.get('BASE_URL');
    if (baseUrl === undefined)
      throw new InputError([
        {
          path: settingEnvName('gate', 'BASE_URL'),
          message: 'the gate connector needs the URL of the gate system or its adapter',
        },
      ]);
    const client = createGateClient({
      baseUrl: ctx.settings.baseUrl,
      apiToken: ctx.settings.require('API_TOKEN'),
      now: () => ctx.clock.now(),
    });
    return {
      id: 'gate',
      senders: {
        'access:gate': {
          id: 'gate',
          idempotent: true,
          async send(item, sendCtx) {
            const change = gateChangeOf(item);
            if (!change.ok) return { tag: 'rejected', code: change.code, reason: change.reason };
            const unit = await unitOf(ctx, item);
            if (unit === undefined)
              return {
                tag: 'rejected',
                code: 'unit_unknown',
                reason: 'the item does not say which unit to lock out (payload.unit)',
              };
            return client.apply(change.change, unit, item, sendCtx.idempotencyKey, sendCtx.signal);
          },
        },
      },
      webhook: gateWebhook(ctx, ctx.settings.get('WEBHOOK_SECRET')),
      async verify(signal) {
        const started = Date.now();
        try {
          const res = await client.status(signal);
          return {
            ok: res.status === 200,
            detail: `GET ${ctx.settings.baseUrl}/status answered ${res.status}`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

/**
 * `webhook`: the signed outbound webhooks of a policy's `webhook` actions (SPEC 3.4, 11).
 * Configured by `ARREARS_WEBHOOK_SECRET`; receivers verify X-Arrears-Signature with it.
 */
import type { ConnectorModule } from '../contract.js';
import { createWebhookClient } from './client.js';
import { manifest } from './manifest.js';

export const webhookConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const client = createWebhookClient({
      secret: ctx.settings.require('SECRET'),
      baseUrl: ctx.settings.baseUrl,
      now: () => ctx.clock.now(),
    });
    return {
      id: 'webhook',
      senders: {
        webhook: {
          id: 'webhook',
          idempotent: true,
          send: (item, sendCtx) => client.deliver(item, sendCtx.signal),
        },
      },
      async verify(signal) {
        const started = Date.now();
        try {
          const res = await client.ping(signal);
          const ok = res.status >= 200 && res.status < 300;
          return {
            ok,
            detail: `POST ${ctx.settings.baseUrl} answered ${res.status}`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

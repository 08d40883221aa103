/**
 * `smartsheet`: the case sheet on Smartsheet (SPEC 11 "work trackers"; reference §13) — one
 * row per case written back from case events, lien steps of storage units as child rows,
 * staff statuses (Dispute, On hold, Flagged) back through the sheet's webhook, which
 * `arrears connectors subscribe smartsheet` creates and enables.
 */
import type { ConnectorModule } from '../contract.js';
import { createSmartsheetClient } from './client.js';
import { columnMapOf } from './map.js';
import { manifest } from './manifest.js';
import { createSmartsheetSink } from './sink.js';
import { smartsheetWebhook } from './webhooks.js';

export const smartsheetConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const s = ctx.settings;
    const sheetId = s.require('SHEET_ID');
    const client = createSmartsheetClient({
      baseUrl: s.baseUrl,
      token: s.require('ACCESS_TOKEN'),
      sheetId,
      now: () => ctx.clock.now(),
    });
    // A secret `subscribe` received, until the operator stores it in the setting.
    let received: string | undefined;
    const secret = { get: () => s.get('WEBHOOK_SHARED_SECRET') ?? received };
    return {
      id: 'smartsheet',
      sink: createSmartsheetSink(client, { log: ctx.log }),
      webhook: smartsheetWebhook(ctx, client, secret),
      async verify(signal) {
        const started = Date.now();
        try {
          const sheet = await client.sheet({ pageSize: 1 }, signal);
          const map = columnMapOf(sheet.columns);
          const latencyMs = Date.now() - started;
          if (!map.ok)
            return {
              ok: false,
              detail: `sheet "${sheet.name}" has no ${map.missing.join(' or ')} column`,
              latencyMs,
            };
          return { ok: true, detail: `sheet "${sheet.name}" with its case columns`, latencyMs };
        } catch (error) {
          return { ok: false, detail: (error as Error).message, latencyMs: Date.now() - started };
        }
      },
      async subscribe(signal) {
        if (!ctx.publicUrl)
          return { ok: false, detail: 'set ARREARS_PUBLIC_URL: Smartsheet calls it back' };
        const callbackUrl = `${ctx.publicUrl}/webhooks/smartsheet`;
        try {
          const hooks = await client.webhooks(signal);
          let hook = hooks.find(
            (h) => String(h.scopeObjectId) === sheetId && h.callbackUrl === callbackUrl,
          );
          if (!hook) hook = await client.createWebhook(callbackUrl, signal);
          if (hook.sharedSecret && !s.get('WEBHOOK_SHARED_SECRET')) {
            received = hook.sharedSecret;
            ctx.log.warn(
              { connector: 'smartsheet', webhookId: hook.id },
              'the webhook shared secret is held in memory only: set ARREARS_SMARTSHEET_WEBHOOK_SHARED_SECRET to the webhook’s sharedSecret (GET /webhooks/{id}) so callbacks verify after a restart',
            );
          }
          const enabled = await client.enableWebhook(hook.id, signal);
          return {
            ok: enabled.status === 'ENABLED',
            detail: `webhook ${hook.id} for ${callbackUrl}: ${enabled.status ?? 'unknown status'}`,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

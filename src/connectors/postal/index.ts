/**
 * `postal`: notices mailed as Lob letters (SPEC 6, 11). Configured by
 * `ARREARS_POSTAL_API_KEY`; the document sender hands it each rendered notice through
 * `printMail`, and Lob's tracking webhooks at `/webhooks/postal` (signed with
 * `ARREARS_POSTAL_WEBHOOK_SECRET`) complete or fail the proof of service.
 */
import type { ConnectorModule } from '../contract.js';
import { lobErrorOf } from './map.js';
import { createLobClient, createLobPrintMail } from './client.js';
import { manifest } from './manifest.js';
import { createLobWebhook } from './webhooks.js';

export const postalConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const apiKey = ctx.settings.require('API_KEY');
    const lobVersion = ctx.settings.get('LOB_VERSION');
    const client = createLobClient({
      apiKey,
      baseUrl: ctx.settings.baseUrl,
      now: () => ctx.clock.now(),
      ...(lobVersion ? { lobVersion } : {}),
    });
    const mode = apiKey.startsWith('live_')
      ? 'live'
      : apiKey.startsWith('test_')
        ? 'test'
        : 'unknown';
    return {
      id: 'postal',
      printMail: createLobPrintMail(client, {
        color: ctx.settings.get('COLOR')?.trim().toLowerCase() === 'true',
        addressPlacement: ctx.settings.get('ADDRESS_PLACEMENT') ?? 'insert_blank_page',
        now: () => ctx.clock.now(),
        log: ctx.log,
      }),
      webhook: createLobWebhook(ctx, ctx.settings.get('WEBHOOK_SECRET')),
      async verify(signal) {
        const started = Date.now();
        try {
          const res = await client.listLetters(1, signal);
          const ok = res.status === 200;
          const why = ok ? `${mode} key` : (lobErrorOf(res.json)?.message ?? `HTTP ${res.status}`);
          return {
            ok,
            detail: `GET /v1/letters?limit=1 answered ${res.status} (${why})`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

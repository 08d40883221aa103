/**
 * `dynamics`: Microsoft Dynamics 365 / Dataverse as a CRM write-back (SPEC 11 "CRM (status,
 * notes, tasks out)"): a case row per Arrears case with notes per event, `writeback`
 * actions onto that row, and staff hold requests read back through a webhook.
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import type { ConnectorInstance, ConnectorModule } from '../contract.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import { createDynamicsClient, TokenRefused, type DynamicsClient } from './client.js';
import { manifest } from './manifest.js';
import { entityIdOf, odataErrorOf, writebackRowOf } from './map.js';
import { createDynamicsSink, type DynamicsTable } from './sink.js';
import { dynamicsWebhook } from './webhooks.js';

export interface DynamicsInstance extends ConnectorInstance {
  client: DynamicsClient;
}

async function writeback(
  client: DynamicsClient,
  t: DynamicsTable,
  now: () => number,
  item: Parameters<typeof writebackRowOf>[0],
  signal?: AbortSignal,
): Promise<SendOutcome> {
  const { key, row } = writebackRowOf(item);
  try {
    const res = await client.writeCase(t.entitySet, key, row, 'upsert', signal);
    return outcomeOfResponse(res, {
      idempotent: true,
      now: now(),
      externalId: (r) => entityIdOf(r.headers.get('odata-entityid')) ?? key.value,
      errorOf: (r) => odataErrorOf(r.json),
    });
  } catch (error) {
    if (error instanceof TokenRefused) {
      if (error.response.status === 429 || error.response.status >= 500)
        return outcomeOfResponse(error.response, {
          idempotent: true,
          now: now(),
          externalId: () => undefined,
          errorOf: () => error.error,
        });
      return { tag: 'retryable', reason: `credentials refused: ${error.message}`.slice(0, 200) };
    }
    return outcomeOfError(error, true);
  }
}

export const dynamicsConnector: ConnectorModule = {
  manifest,
  create(ctx): DynamicsInstance {
    const s = ctx.settings;
    const orgUrl = s.require('ORG_URL').replace(/\/+$/, '');
    const tenantId = s.require('TENANT_ID');
    const t: DynamicsTable = {
      table: s.get('TABLE') ?? 'arrears_case',
      entitySet: s.get('ENTITY_SET') ?? 'arrears_cases',
    };
    const now = () => ctx.clock.now();
    const client = createDynamicsClient({
      apiBaseUrl: s.get('BASE_URL') ?? `${orgUrl}/api/data/v9.2`,
      tokenUrl:
        s.get('TOKEN_URL') ??
        `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`,
      clientId: s.require('CLIENT_ID'),
      clientSecret: s.require('CLIENT_SECRET'),
      scope: `${orgUrl}/.default`,
      now,
    });
    return {
      id: 'dynamics',
      client,
      sink: createDynamicsSink(client, t, ctx.log),
      senders: {
        'writeback:dynamics': {
          id: 'dynamics',
          idempotent: true,
          send: (item, sendCtx) => writeback(client, t, now, item, sendCtx.signal),
        },
      },
      webhook: dynamicsWebhook(ctx, client, t, s.get('WEBHOOK_KEY')),
      async verify(signal) {
        const started = Date.now();
        try {
          const res = await client.whoAmI(signal);
          const user = (res.json as { UserId?: unknown } | undefined)?.UserId;
          const err = odataErrorOf(res.json);
          return {
            ok: res.status === 200,
            detail:
              `GET /WhoAmI answered ${res.status}` +
              (res.status === 200 ? ` (user ${String(user ?? '?')})` : err ? ` ${err.code}` : ''),
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

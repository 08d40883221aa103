/**
 * `xero`: balances and payments in (a data source), a history note on the contact for each
 * case event, and signed events at `/webhooks/xero` with Xero's intent-to-receive check
 * (SPEC 11; reference/connectors-systems.md §2). Nothing goes through the outbox.
 */
import type { ConnectorInstance, ConnectorModule } from '../contract.js';
import type { ConnectorContext } from '../context.js';
import { createXeroClient } from './client.js';
import { manifest } from './manifest.js';
import { createXeroSink } from './sink.js';
import { createXeroSource } from './source.js';
import { xeroWebhook } from './webhooks.js';

export interface XeroInstance extends ConnectorInstance {
  /**
   * The refresh token now in force. Xero rotates it on every refresh and the configured
   * one is then spent: the settings store (once built) persists this value.
   */
  currentRefreshToken(): string;
}

export function createXero(ctx: ConnectorContext): XeroInstance {
  const client = createXeroClient({
    baseUrl: ctx.settings.baseUrl,
    tokenUrl: ctx.settings.require('TOKEN_URL'),
    clientId: ctx.settings.require('CLIENT_ID'),
    clientSecret: ctx.settings.require('CLIENT_SECRET'),
    refreshToken: ctx.settings.require('REFRESH_TOKEN'),
    tenantId: ctx.settings.require('TENANT_ID'),
    now: () => ctx.clock.now(),
    log: ctx.log,
    ...(ctx.persistSetting
      ? { persistRefreshToken: (t: string) => ctx.persistSetting!('REFRESH_TOKEN', t) }
      : {}),
  });
  const propertyId = ctx.settings.get('PROPERTY_ID');
  return {
    id: 'xero',
    ...(propertyId
      ? {
          source: createXeroSource({
            client,
            propertyId,
            now: () => ctx.clock.now(),
            log: ctx.log,
          }),
        }
      : {}),
    sink: createXeroSink(client, ctx.log, () => ctx.clock.now()),
    webhook: xeroWebhook(ctx.settings.get('WEBHOOK_KEY'), ctx.log),
    currentRefreshToken: () => client.tokens.currentRefreshToken(),

    async verify(signal) {
      const started = Date.now();
      try {
        await client.page('Contacts', 1, { pageSize: '1' }, null, signal);
        return {
          ok: true,
          detail: 'token refreshed; GET /Contacts?page=1&pageSize=1 answered 200',
          latencyMs: Date.now() - started,
        };
      } catch (error) {
        return { ok: false, detail: (error as Error).message, latencyMs: Date.now() - started };
      }
    },
  };
}

export const xeroConnector: ConnectorModule = { manifest, create: createXero };

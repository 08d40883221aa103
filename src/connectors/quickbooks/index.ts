/**
 * `quickbooks`: QuickBooks Online as the ledger (SPEC 11 accounting; reference §1) —
 * customers, invoices and payments in (app/sync-source.ts), the case status into the
 * customer notes and fee invoices out. Configured by ARREARS_QUICKBOOKS_CLIENT_ID,
 * _CLIENT_SECRET, _REFRESH_TOKEN, _REALM_ID and _PROPERTY_ID (the Arrears property every
 * customer's lease is on: QuickBooks has no properties, so import the property first);
 * its webhook needs _WEBHOOK_VERIFIER_TOKEN. _BASE_URL and _TOKEN_URL point it at a fake.
 */
import { InputError } from '../../domain/errors.js';
import { settingEnvName, type ConnectorModule } from '../contract.js';
import { createQuickBooksClient } from './client.js';
import { manifest } from './manifest.js';
import { feeItemsOf, queryRows } from './map.js';
import { createCaseSink, createFeeWriteBack } from './sink.js';
import { createQuickBooksSource } from './source.js';
import { quickbooksWebhook } from './webhooks.js';

function maxResultsOf(value: string | undefined): number {
  const n = Number(value ?? '1000');
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InputError([
      {
        path: settingEnvName('quickbooks', 'MAX_RESULTS'),
        message: 'must be a whole number from 1 to 1000',
      },
    ]);
  return n;
}

export const quickbooksConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const realmId = ctx.settings.require('REALM_ID').trim();
    const now = () => ctx.clock.now();
    const client = createQuickBooksClient({
      baseUrl: ctx.settings.baseUrl,
      tokenUrl: ctx.settings.require('TOKEN_URL'),
      clientId: ctx.settings.require('CLIENT_ID'),
      clientSecret: ctx.settings.require('CLIENT_SECRET'),
      refreshToken: ctx.settings.require('REFRESH_TOKEN'),
      realmId,
      minorVersion: ctx.settings.get('MINOR_VERSION') ?? '75',
      now,
      log: ctx.log,
      ...(ctx.persistSetting
        ? { persistRefreshToken: (t: string) => ctx.persistSetting!('REFRESH_TOKEN', t) }
        : {}),
    });
    const feeWriteBack = createFeeWriteBack({
      client,
      itemId: ctx.settings.get('FEE_ITEM_ID') ?? '1',
      now,
    });
    return {
      id: 'quickbooks',
      source: createQuickBooksSource({
        client,
        propertyId: ctx.settings.require('PROPERTY_ID').trim(),
        feeItems: feeItemsOf(ctx.settings.get('FEE_ITEMS')),
        maxResults: maxResultsOf(ctx.settings.get('MAX_RESULTS')),
        now,
      }),
      sink: createCaseSink(client),
      senders: {
        'writeback:quickbooks': {
          id: 'quickbooks',
          idempotent: true,
          send: (item, sendCtx) => feeWriteBack(item, sendCtx.signal),
        },
      },
      webhook: quickbooksWebhook(ctx, ctx.settings.get('WEBHOOK_VERIFIER_TOKEN'), realmId),
      async verify(signal) {
        const started = Date.now();
        try {
          const body = await client.query('select count(*) from Customer', signal);
          const count = (body as { QueryResponse?: { totalCount?: unknown } })?.QueryResponse
            ?.totalCount;
          return {
            ok: true,
            detail: `company ${realmId}: ${typeof count === 'number' ? count : queryRows(body, 'Customer').length} customers`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          // TokenRefused and QuickBooksError say what QuickBooks answered; never a secret.
          return { ok: false, detail: (error as Error).message, latencyMs: Date.now() - started };
        }
      },
    };
  },
};

/**
 * `intercom`: chat messages to tenants and their replies, and the balance written back to
 * the contact (SPEC 11 helpdesk / chat; reference §7). Configured by
 * `ARREARS_INTERCOM_ACCESS_TOKEN` and `ARREARS_INTERCOM_ADMIN_ID`; its webhook needs
 * `ARREARS_INTERCOM_CLIENT_SECRET`.
 */
import { InputError } from '../../domain/errors.js';
import { settingEnvName, type ConnectorModule } from '../contract.js';
import { createIntercomClient } from './client.js';
import { manifest } from './manifest.js';
import { intercomWebhook } from './webhooks.js';

export const intercomConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const adminId = ctx.settings.require('ADMIN_ID').trim();
    if (!/^\d{1,20}$/.test(adminId))
      throw new InputError([
        {
          path: settingEnvName('intercom', 'ADMIN_ID'),
          message: "must be the admin's numeric Intercom id (GET /admins lists them)",
        },
      ]);
    const client = createIntercomClient({
      accessToken: ctx.settings.require('ACCESS_TOKEN'),
      adminId,
      version: ctx.settings.get('API_VERSION') ?? '2.14',
      baseUrl: ctx.settings.baseUrl,
      now: () => ctx.clock.now(),
    });
    const noContact = {
      tag: 'rejected',
      code: 'no_contact',
      reason: 'the item names no tenant to reach in Intercom',
    } as const;
    return {
      id: 'intercom',
      senders: {
        'message:chat': {
          id: 'intercom',
          idempotent: false,
          async send(item, sendCtx) {
            const contact = await ctx.recipients.contactOf(item);
            return contact ? client.sendChat(item, contact, sendCtx.signal) : noContact;
          },
        },
        'writeback:intercom': {
          id: 'intercom',
          idempotent: true,
          async send(item, sendCtx) {
            const contact = await ctx.recipients.contactOf(item);
            return contact ? client.writeBalance(item, contact, sendCtx.signal) : noContact;
          },
        },
      },
      webhook: intercomWebhook(ctx, client, ctx.settings.get('CLIENT_SECRET')),
      async verify(signal) {
        const started = Date.now();
        try {
          const res = await client.me(signal);
          const ok = res.status === 200;
          const who = ok ? ` (admin ${String((res.json as { id?: unknown })?.id ?? '?')})` : '';
          return {
            ok,
            detail: `GET ${ctx.settings.baseUrl}/me answered ${res.status}${who}`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

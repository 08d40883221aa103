/**
 * `okta`: the tenant portal's sign-in, suspended while access is denied (SPEC 3.4 `access`,
 * 11 identity; reference §10). Configured by `ARREARS_OKTA_ORG_URL` and
 * `ARREARS_OKTA_API_TOKEN`; its event hook needs `ARREARS_OKTA_EVENT_HOOK_SECRET`.
 *
 * It takes `access:portal`: an access item whose `deny` / `restore` list names `portal`.
 * The user is the item's contact (a lease-level access item resolves to the lease's primary
 * tenant), found in Okta by login or primary e-mail. Other targets of the same item (`gate`,
 * `online_payments`) are other connectors' business and are left alone here.
 */
import type { ConnectorModule } from '../contract.js';
import { createOktaClient } from './client.js';
import { manifest } from './manifest.js';
import { oktaErrorOf, portalChangeOf } from './map.js';
import { oktaWebhook } from './webhooks.js';

export const oktaConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const baseUrl = (ctx.settings.get('BASE_URL') ?? ctx.settings.require('ORG_URL')).replace(
      /\/+$/,
      '',
    );
    const secret = ctx.settings.get('EVENT_HOOK_SECRET')?.trim() || undefined;
    const client = createOktaClient({
      baseUrl,
      apiToken: ctx.settings.require('API_TOKEN'),
      now: () => ctx.clock.now(),
    });
    return {
      id: 'okta',
      senders: {
        'access:portal': {
          id: 'okta',
          // Read-then-transition converges: a repeat after a lost answer finds the state reached.
          idempotent: true,
          async send(item, sendCtx) {
            const change = portalChangeOf(item);
            if (!change.ok) return { tag: 'rejected', code: change.code, reason: change.reason };
            const contact = await ctx.recipients.contactOf(item);
            if (!contact)
              return {
                tag: 'rejected',
                code: 'no_contact',
                reason: 'the lease has no tenant to find in Okta',
              };
            return client.applyPortal(change.change, contact, sendCtx.signal);
          },
        },
      },
      webhook: oktaWebhook(ctx, secret),
      async subscribe(signal) {
        if (secret === undefined || ctx.publicUrl === undefined)
          return {
            ok: false,
            detail:
              'set ARREARS_OKTA_EVENT_HOOK_SECRET and ARREARS_PUBLIC_URL before registering the event hook',
          };
        const uri = `${ctx.publicUrl}/webhooks/okta`;
        try {
          const r = await client.subscribe(uri, secret, signal);
          if (r.ok) return { ok: true, detail: `event hook ${r.hookId} verified for ${uri}` };
          const why = oktaErrorOf(r.response.json)?.message ?? `HTTP ${r.response.status}`;
          return { ok: false, detail: `event hook ${r.step} failed: ${why}` };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
      async verify(signal) {
        const started = Date.now();
        try {
          const res = await client.me(signal);
          return {
            ok: res.status === 200,
            detail: `GET ${baseUrl}/api/v1/users/me answered ${res.status}`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

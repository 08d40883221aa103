/**
 * `freshdesk`: helpdesk tickets for the cases staff must look at (SPEC 11 helpdesk;
 * reference §14). A write-back sink: a ticket per dispute and per at-risk flag (a `flag` or
 * `at_risk` status, `case.flagged`), notes for the lease’s later events, resolved when the case closes; staff notes
 * come back through an automation webhook and are logged. Configured by
 * `ARREARS_FRESHDESK_DOMAIN` and `ARREARS_FRESHDESK_API_KEY`; the webhook needs
 * `ARREARS_FRESHDESK_WEBHOOK_SECRET`.
 */
import { InputError } from '../../domain/errors.js';
import { settingEnvName, type ConnectorModule } from '../contract.js';
import type { ConnectorSettings } from '../settings.js';
import { createFreshdeskClient } from './client.js';
import { manifest } from './manifest.js';
import { freshdeskSink } from './sink.js';
import { freshdeskWebhook } from './webhooks.js';

/** `oakcourt`, `oakcourt.freshdesk.com` or `https://oakcourt.freshdesk.com` → the base URL. */
function baseUrlOf(settings: ConnectorSettings): string {
  const override = settings.get('BASE_URL');
  if (override !== undefined) return override.replace(/\/+$/, '');
  const domain = settings
    .require('DOMAIN')
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
  const host = domain.includes('.') ? domain : `${domain}.freshdesk.com`;
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(host))
    throw new InputError([
      {
        path: settingEnvName('freshdesk', 'DOMAIN'),
        message: 'must be the helpdesk subdomain, e.g. `oakcourt` for oakcourt.freshdesk.com',
      },
    ]);
  return `https://${host}`;
}

function days(settings: ConnectorSettings, key: string): number {
  const raw = settings.require(key);
  if (!/^\d{1,2}$/.test(raw.trim()) || Number(raw) < 1)
    throw new InputError([
      { path: settingEnvName('freshdesk', key), message: 'must be a whole number of days, 1–99' },
    ]);
  return Number(raw);
}

export const freshdeskConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const baseUrl = baseUrlOf(ctx.settings);
    const client = createFreshdeskClient({
      baseUrl,
      apiKey: ctx.settings.require('API_KEY'),
      now: () => ctx.clock.now(),
    });
    const group = ctx.settings.get('GROUP_ID');
    if (group !== undefined && !/^\d+$/.test(group))
      throw new InputError([
        { path: settingEnvName('freshdesk', 'GROUP_ID'), message: 'must be a numeric group id' },
      ]);
    const fallbackEmail = ctx.settings.get('REQUESTER_EMAIL');
    return {
      id: 'freshdesk',
      sink: freshdeskSink(
        client,
        {
          dueDays: {
            dispute: days(ctx.settings, 'DISPUTE_DUE_DAYS'),
            at_risk: days(ctx.settings, 'AT_RISK_DUE_DAYS'),
          },
          ...(group !== undefined ? { groupId: Number(group) } : {}),
          ...(fallbackEmail ? { fallbackEmail } : {}),
        },
        ctx.log,
      ),
      webhook: freshdeskWebhook(ctx, ctx.settings.get('WEBHOOK_SECRET')),
      async verify(signal) {
        const started = Date.now();
        try {
          const res = await client.me(signal);
          return {
            ok: res.status === 200,
            detail: `GET ${baseUrl}/api/v2/agents/me answered ${res.status}`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

/**
 * `hubspot`: case write-back to HubSpot CRM (SPEC 11 CRM; reference §5) — one deal per
 * lease keyed by `arrears_lease_id`, the tenant's contact, a note or task per action and
 * reply — and its webhook. Configured by `ARREARS_HUBSPOT_ACCESS_TOKEN`; OAuth renewal
 * needs `CLIENT_ID`, `CLIENT_SECRET` and `REFRESH_TOKEN`; the webhook needs `CLIENT_SECRET`.
 */
import { InputError } from '../../domain/errors.js';
import { settingEnvName, type ConnectorModule } from '../contract.js';
import { createHubSpotClient } from './client.js';
import { manifest } from './manifest.js';
import { LEASE_ID_PROPERTY } from './map.js';
import { createHubSpotSink } from './sink.js';
import { hubSpotWebhook } from './webhooks.js';

function oauthOf(get: (key: string) => string | undefined) {
  const app = {
    clientId: get('CLIENT_ID'),
    clientSecret: get('CLIENT_SECRET'),
    refreshToken: get('REFRESH_TOKEN'),
  };
  if (app.refreshToken === undefined) return null;
  if (app.clientId === undefined || app.clientSecret === undefined)
    throw new InputError([
      {
        path: settingEnvName('hubspot', app.clientId === undefined ? 'CLIENT_ID' : 'CLIENT_SECRET'),
        message: 'renewing an OAuth token with REFRESH_TOKEN needs CLIENT_ID and CLIENT_SECRET too',
      },
    ]);
  return { clientId: app.clientId, clientSecret: app.clientSecret, refreshToken: app.refreshToken };
}

export const hubspotConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const s = ctx.settings;
    const apiVersion = s.get('API_VERSION') ?? 'v3';
    if (!/^(v3|\d{4}-\d{2})$/.test(apiVersion))
      throw new InputError([
        {
          path: settingEnvName('hubspot', 'API_VERSION'),
          message: 'must be `v3` or a date version such as `2026-03`',
        },
      ]);
    const client = createHubSpotClient({
      accessToken: s.require('ACCESS_TOKEN'),
      oauth: oauthOf((k) => s.get(k)),
      baseUrl: s.baseUrl,
      apiVersion,
      now: () => ctx.clock.now(),
      log: ctx.log,
    });
    const stages = {
      pipeline: s.get('PIPELINE') ?? 'default',
      open: s.get('DEALSTAGE_OPEN') ?? 'appointmentscheduled',
      paid: s.get('DEALSTAGE_PAID') ?? 'closedwon',
      closed: s.get('DEALSTAGE_CLOSED') ?? 'closedlost',
    };
    return {
      id: 'hubspot',
      sink: createHubSpotSink(client, stages, ctx.log),
      webhook: hubSpotWebhook(ctx, s.get('CLIENT_SECRET')),
      async verify(signal) {
        const started = Date.now();
        try {
          const res = await client.dealProperty(LEASE_ID_PROPERTY, signal);
          const unique = (res.json as { hasUniqueValue?: unknown } | undefined)?.hasUniqueValue;
          const ok = res.status === 200 && unique === true;
          const why =
            res.status === 200 && !ok
              ? ` (${LEASE_ID_PROPERTY} must have unique values)`
              : res.status === 404
                ? ` (create the deal property ${LEASE_ID_PROPERTY} with unique values)`
                : res.status === 401 && client.tokens.lastRefusal
                  ? ` (${client.tokens.lastRefusal})`
                  : '';
          return {
            ok,
            detail: `GET ${s.baseUrl}/crm/v3/properties/deals/${LEASE_ID_PROPERTY} answered ${res.status}${why}`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

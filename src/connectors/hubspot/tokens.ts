/**
 * The bearer token. A private-app or service-key token never expires; an OAuth access
 * token lives 30 minutes and is renewed with the refresh token (reference §5) when the
 * OAuth settings are present: ahead of its expiry when the lifetime is known, else after
 * HubSpot refuses it (401). Concurrent callers share one renewal.
 */
import type { ConnectorLog } from '../context.js';
import type { ProviderHttp } from '../http.js';
import { errorOf } from './map.js';

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface HubSpotTokens {
  /** The token to send now (renewed first when it is known to have expired). */
  current(): Promise<string>;
  /**
   * HubSpot refused `refused` (401): renew it. True when a new token is there to retry
   * with; false without OAuth settings or when the renewal itself was refused.
   */
  renew(refused: string): Promise<boolean>;
  /** Why the last renewal failed, for `connectors test`. */
  readonly lastRefusal: string | null;
}

/** Renew a minute before the stated expiry, so no call carries a dying token. */
const EARLY_MS = 60_000;

export function createHubSpotTokens(o: {
  accessToken: string;
  oauth: OAuthApp | null;
  http: ProviderHttp;
  now: () => number;
  log: ConnectorLog;
}): HubSpotTokens {
  let access = o.accessToken;
  let expiresAt = Number.POSITIVE_INFINITY;
  let refreshToken = o.oauth?.refreshToken;
  let pending: Promise<boolean> | undefined;
  let lastRefusal: string | null = null;

  async function refresh(): Promise<boolean> {
    const app = o.oauth!;
    const res = await o.http.request({
      method: 'POST',
      path: '/oauth/v1/token',
      form: {
        grant_type: 'refresh_token',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        refresh_token: refreshToken!,
      },
      // A refresh changes nothing server-side: repeating it after a lost answer is safe.
      idempotent: true,
    });
    const body = res.json as
      { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown } | undefined;
    if (res.status !== 200 || typeof body?.access_token !== 'string') {
      const err = errorOf(res);
      lastRefusal = `token renewal refused (HTTP ${res.status}${err ? `: ${err.code} ${err.message}` : ''})`;
      o.log.warn({ connector: 'hubspot', status: res.status, code: err?.code }, lastRefusal);
      return false;
    }
    access = body.access_token;
    expiresAt =
      typeof body.expires_in === 'number'
        ? o.now() + body.expires_in * 1000 - EARLY_MS
        : Number.POSITIVE_INFINITY;
    if (typeof body.refresh_token === 'string' && body.refresh_token !== refreshToken) {
      refreshToken = body.refresh_token;
      o.log.warn(
        { connector: 'hubspot' },
        'HubSpot issued a new refresh token; it is kept in memory only: set ARREARS_HUBSPOT_REFRESH_TOKEN to it (the encrypted settings store is not built yet)',
      );
    }
    lastRefusal = null;
    return true;
  }

  const renewOnce = () =>
    (pending ??= refresh().finally(() => {
      pending = undefined;
    }));

  return {
    async current() {
      if (o.oauth && expiresAt <= o.now()) await renewOnce();
      return access;
    },
    async renew(refused) {
      if (!o.oauth) return false;
      if (refused !== access) return true; // another call renewed it meanwhile
      return renewOnce();
    },
    get lastRefusal() {
      return lastRefusal;
    },
  };
}

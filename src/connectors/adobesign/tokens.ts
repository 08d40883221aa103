/**
 * Acrobat Sign access tokens from the app's refresh token (3600-s access tokens; the refresh
 * token lives as long as it is used every 60 days). One token is shared by every call of a
 * connector instance and renewed a minute before it expires, or at once when the API
 * refuses it; concurrent callers wait for the same refresh.
 *
 * Should the refresh answer carry a new refresh token, it replaces ours for the life of the
 * process and a warning says it must be stored: the encrypted settings store that would
 * keep it does not exist yet.
 */
import type { ConnectorLog } from '../context.js';
import type { ProviderResponse } from '../http.js';
import type { ProviderError } from '../outcomes.js';
import type { TokenAnswer } from './map.js';

/** The refresh endpoint said no: a bad client, a lapsed refresh token, throttling. */
export class TokenRefused extends Error {
  constructor(
    readonly response: ProviderResponse,
    readonly error: ProviderError,
  ) {
    super(`token request refused: ${error.code} ${error.message}`);
    this.name = 'TokenRefused';
  }
}

export interface TokenCache {
  accessToken(): Promise<string>;
  /** The API refused this token (401): the next call refreshes. */
  invalidate(accessToken: string): void;
}

const early = (seconds: number) => Math.min(60_000, (seconds * 1000) / 2);

export function createTokenCache(o: {
  refreshToken: string;
  now: () => number;
  log: ConnectorLog;
  /** POSTs the refresh grant; throws TokenRefused on a refusal. */
  exchange(refreshToken: string): Promise<TokenAnswer>;
}): TokenCache {
  let refreshToken = o.refreshToken;
  let held: { access: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function refresh(): Promise<string> {
    const a = await o.exchange(refreshToken);
    if (a.refresh_token !== undefined && a.refresh_token !== refreshToken) {
      refreshToken = a.refresh_token;
      o.log.warn(
        { connector: 'adobesign', setting: 'ARREARS_ADOBESIGN_REFRESH_TOKEN' },
        'Acrobat Sign issued a new refresh token; it is used for now but lives only in memory: store it in REFRESH_TOKEN before the next restart',
      );
    }
    held = {
      access: a.access_token,
      expiresAt: o.now() + a.expires_in * 1000 - early(a.expires_in),
    };
    return a.access_token;
  }

  return {
    accessToken() {
      if (held && held.expiresAt > o.now()) return Promise.resolve(held.access);
      pending ??= refresh().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(accessToken) {
      if (held?.access === accessToken) held = undefined;
    },
  };
}

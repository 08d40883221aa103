/**
 * The access token of one connector instance (reference §1 "Tokens"): obtained from the
 * refresh token, kept until a minute before its `expires_in` (3600 s), renewed once more
 * when QuickBooks answers 401. Intuit may hand back a new refresh token on any refresh and
 * the old one then stops working soon after, so the newest is always the one used next; it
 * lives in memory only (the encrypted settings store is not built yet), so each rotation
 * logs a warning asking the operator to store it in ARREARS_QUICKBOOKS_REFRESH_TOKEN.
 * Concurrent callers share one refresh request.
 */
import type { ConnectorLog } from '../context.js';
import type { ProviderResponse } from '../http.js';
import type { TokenAnswer } from './map.js';

/** The token endpoint said no (a spent or revoked refresh token, bad client credentials). */
export class TokenRefused extends Error {
  constructor(
    readonly response: ProviderResponse,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`QuickBooks token request refused (HTTP ${response.status}): ${code} ${detail}`);
    this.name = 'TokenRefused';
  }
}

export interface TokenCacheOptions {
  refreshToken: string;
  now: () => number;
  log: ConnectorLog;
  /** Stores a rotated refresh token (the encrypted settings store), when one is configured. */
  persist?: (refreshToken: string) => Promise<void>;
  /** POSTs `grant_type=refresh_token` to the token endpoint; throws TokenRefused on a refusal. */
  exchange(refreshToken: string): Promise<TokenAnswer>;
}

export interface TokenCache {
  accessToken(): Promise<string>;
  /** The API refused this token (401): the next call refreshes. */
  invalidate(accessToken: string): void;
  /** The refresh token the next refresh will use (tests; never logged). */
  currentRefreshToken(): string;
}

const EARLY_MS = 60_000;

export function createTokenCache(o: TokenCacheOptions): TokenCache {
  let refresh = o.refreshToken;
  let held: { access: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function obtain(): Promise<string> {
    const answer = await o.exchange(refresh);
    if (answer.refresh_token && answer.refresh_token !== refresh) {
      refresh = answer.refresh_token;
      const stored = o.persist
        ? await o.persist(refresh).then(
            () => true,
            () => false,
          )
        : false;
      if (!stored)
        o.log.warn(
          { connector: 'quickbooks', setting: 'ARREARS_QUICKBOOKS_REFRESH_TOKEN' },
          'QuickBooks rotated the refresh token: the new one is held in memory for this process only and must be persisted: set ARREARS_SECRETS_KEY so it is stored encrypted, else after a restart the configured one is used and may have expired',
        );
    }
    const life = answer.expires_in * 1000;
    held = {
      access: answer.access_token,
      expiresAt: o.now() + life - Math.min(EARLY_MS, life / 2),
    };
    return answer.access_token;
  }

  return {
    accessToken() {
      if (held && held.expiresAt > o.now()) return Promise.resolve(held.access);
      pending ??= obtain().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(accessToken) {
      if (held?.access === accessToken) held = undefined;
    },
    currentRefreshToken: () => refresh,
  };
}

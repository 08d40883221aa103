/**
 * The access token, shared by every call of one connector instance. RingCentral asks for
 * one token flow per app (auth calls are limited to 5/min and ~5 sessions per user), so
 * concurrent callers wait for the same request, and an expired token is renewed with its
 * single-use refresh token (same session) before falling back to a new JWT exchange.
 */
import type { ProviderError } from '../outcomes.js';
import type { ProviderResponse } from '../http.js';
import { JWT_GRANT, type TokenAnswer } from './map.js';

/** The token endpoint said no (bad client credentials, a bad JWT, a spent refresh token). */
export class TokenRefused extends Error {
  constructor(
    readonly response: ProviderResponse,
    readonly error: ProviderError,
  ) {
    super(`token request refused: ${error.code} ${error.message}`);
    this.name = 'TokenRefused';
  }
}

export interface TokenCacheOptions {
  jwt: string;
  now: () => number;
  /** POSTs the grant form to the token endpoint; throws TokenRefused on a refusal. */
  exchange(form: Record<string, string>): Promise<TokenAnswer>;
}

export interface TokenCache {
  /** A valid access token (fetched or renewed when needed). */
  accessToken(): Promise<string>;
  /** The API refused this token (401): the next call renews it. */
  invalidate(accessToken: string): void;
}

interface Held {
  access: string;
  expiresAt: number;
  refresh?: string;
  refreshExpiresAt: number;
}

/** Renew a minute early (or at half-life for short tokens) so no call carries a dying token. */
const early = (seconds: number) => Math.min(60_000, (seconds * 1000) / 2);

export function createTokenCache(o: TokenCacheOptions): TokenCache {
  let held: Held | undefined;
  let pending: Promise<string> | undefined;

  const keep = (a: TokenAnswer): string => {
    const now = o.now();
    held = {
      access: a.access_token,
      expiresAt: now + a.expires_in * 1000 - early(a.expires_in),
      ...(a.refresh_token ? { refresh: a.refresh_token } : {}),
      refreshExpiresAt: a.refresh_token_expires_in
        ? now + a.refresh_token_expires_in * 1000 - early(a.refresh_token_expires_in)
        : 0,
    };
    return a.access_token;
  };

  async function obtain(): Promise<string> {
    const refresh = held?.refresh;
    if (refresh && held!.refreshExpiresAt > o.now()) {
      held = { ...held!, refresh: undefined }; // single use, whatever the answer
      try {
        return keep(await o.exchange({ grant_type: 'refresh_token', refresh_token: refresh }));
      } catch (error) {
        // A spent or revoked refresh token: start a new session from the JWT. Throttling
        // or an outage would only be made worse by a second request.
        const status = error instanceof TokenRefused ? error.response.status : 0;
        if (status !== 400 && status !== 401) throw error;
      }
    }
    return keep(await o.exchange({ grant_type: JWT_GRANT, assertion: o.jwt }));
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
      if (held?.access === accessToken) held = { ...held, expiresAt: 0 };
    },
  };
}

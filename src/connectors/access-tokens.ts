/**
 * An OAuth access token shared by every call of one connector instance (client-credentials
 * or refresh-token grants whose refresh token does not rotate: Dynamics, Zoho): reused until
 * shortly before it expires, concurrent callers wait for the same token request, and a 401
 * drops it so the next call asks for a new one (providers limit how many tokens a client may
 * request in a while).
 */
import type { ProviderResponse } from './http.js';
import type { ProviderError } from './outcomes.js';

export interface AccessTokenAnswer {
  access_token: string;
  /** Seconds. */
  expires_in: number;
}

/** The token endpoint said no (a bad client id or secret, a revoked refresh token …). */
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
  /** The API refused this token: the next call asks for a new one. */
  invalidate(accessToken: string): void;
}

export function createTokenCache(o: {
  now: () => number;
  request: () => Promise<AccessTokenAnswer>;
}): TokenCache {
  let held: { access: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return {
    accessToken() {
      if (held && held.expiresAt > o.now()) return Promise.resolve(held.access);
      pending ??= o
        .request()
        .then((a) => {
          // A minute early (half the life of a short token), so no call leaves with a
          // token that dies on the way.
          const margin = Math.min(60_000, (a.expires_in * 1000) / 2);
          held = { access: a.access_token, expiresAt: o.now() + a.expires_in * 1000 - margin };
          return a.access_token;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
    invalidate(accessToken) {
      if (held?.access === accessToken) held = undefined;
    },
  };
}

/**
 * The Entra ID access token of the client-credentials grant, shared by every call of one
 * connector instance. There is no refresh token in this grant: a token is requested again
 * when it is about to expire, or once more when the API answers 401.
 */
import type { ProviderResponse } from '../http.js';
import type { ProviderError } from '../outcomes.js';
import type { TokenAnswer } from './map.js';

/** The token endpoint said no (bad client id / secret, wrong tenant, missing scope). */
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
  request: () => Promise<TokenAnswer>;
}): TokenCache {
  let held: { access: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return {
    accessToken() {
      if (held && held.expiresAt > o.now()) return Promise.resolve(held.access);
      pending ??= o
        .request()
        .then((a) => {
          // A minute early, so no call leaves with a token that dies on the way.
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

/**
 * The Zoho access token (1 h) from the long-lived refresh token, shared by every call of
 * one connector instance: Zoho allows about ten access tokens per refresh token in ten
 * minutes, so a token is reused until shortly before it expires, concurrent callers wait
 * for the same request, and a 401 asks for a new one only once.
 */
import type { ProviderResponse } from '../http.js';
import type { ProviderError } from '../outcomes.js';
import type { TokenAnswer } from './map.js';

/** Zoho Accounts said no (`invalid_client`, `invalid_code` for a revoked refresh token …). */
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

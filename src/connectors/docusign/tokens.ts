/**
 * DocuSign's JWT Grant: an RS256 assertion signed with the Integration Key's private key is
 * exchanged for an access token (~1 h, no refresh token). The token is shared by every call
 * of one connector instance and re-minted a minute before it expires, or at once when the
 * API refuses it; concurrent callers wait for the same exchange.
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import type { ProviderResponse } from '../http.js';
import type { ProviderError } from '../outcomes.js';
import { JWT_SCOPE, type TokenAnswer } from './map.js';

/** The assertion's lifetime: DocuSign accepts at most an hour. */
const ASSERTION_SECONDS = 3600;

/** The token endpoint said no: a bad key or assertion, consent not granted, throttling. */
export class TokenRefused extends Error {
  constructor(
    readonly response: ProviderResponse,
    readonly error: ProviderError,
  ) {
    super(`token request refused: ${error.code} ${error.message}`);
    this.name = 'TokenRefused';
  }
}

/** A PEM from a setting (env files often carry `\n` escapes), or an Error saying why not. */
export function privateKeyOf(pem: string): KeyObject {
  return createPrivateKey({ key: pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem });
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export interface AssertionClaims {
  integrationKey: string;
  userId: string;
  /** The OAuth host without scheme (`account-d.docusign.com`). */
  audience: string;
  nowMs: number;
}

/** The signed JWT (RS256) DocuSign's token endpoint takes as `assertion`. */
export function signAssertion(key: KeyObject, c: AssertionClaims): string {
  const iat = Math.floor(c.nowMs / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      iss: c.integrationKey,
      sub: c.userId,
      aud: c.audience,
      iat,
      exp: iat + ASSERTION_SECONDS,
      scope: JWT_SCOPE,
    }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key);
  return `${header}.${payload}.${b64url(signature)}`;
}

export interface TokenCache {
  accessToken(): Promise<string>;
  /** The API refused this token (401): the next call mints a new one. */
  invalidate(accessToken: string): void;
}

const early = (seconds: number) => Math.min(60_000, (seconds * 1000) / 2);

export function createTokenCache(o: {
  now: () => number;
  /** Mints an assertion and exchanges it; throws TokenRefused on a refusal. */
  exchange(): Promise<TokenAnswer>;
}): TokenCache {
  let held: { access: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return {
    accessToken() {
      if (held && held.expiresAt > o.now()) return Promise.resolve(held.access);
      pending ??= o
        .exchange()
        .then((a) => {
          held = {
            access: a.access_token,
            expiresAt: o.now() + a.expires_in * 1000 - early(a.expires_in),
          };
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

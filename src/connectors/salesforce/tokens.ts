/**
 * The session (access token + instance URL) shared by every call of one connector
 * instance (reference §4). Minted with the JWT bearer flow (an RS256 assertion signed with
 * the app's private key; no refresh token exists, a new assertion is the renewal) or the
 * client-credentials flow; kept until Salesforce answers 401 INVALID_SESSION_ID, then
 * minted again. Concurrent callers share one mint.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { ProviderHttp, ProviderResponse } from '../http.js';
import type { ProviderError } from '../outcomes.js';
import { JWT_GRANT, errorOf, sessionOf, type Session } from './map.js';

export type Grant =
  | { kind: 'jwt'; clientId: string; username: string; privateKey: KeyObject; audience: string }
  | { kind: 'client_credentials'; clientId: string; clientSecret: string };

/** The token endpoint said no (a bad key, an unapproved user, a wrong secret). */
export class TokenRefused extends Error {
  constructor(
    readonly response: ProviderResponse,
    readonly error: ProviderError,
  ) {
    super(`token request refused: HTTP ${response.status} ${error.code} ${error.message}`);
    this.name = 'TokenRefused';
  }
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** The signed assertion; `exp` three minutes ahead at most, as Salesforce requires. */
export function jwtAssertion(g: Extract<Grant, { kind: 'jwt' }>, nowMs: number): string {
  const header = b64url(JSON.stringify({ alg: 'RS256' }));
  const claims = b64url(
    JSON.stringify({
      iss: g.clientId,
      sub: g.username,
      aud: g.audience,
      exp: Math.floor(nowMs / 1000) + 170,
    }),
  );
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), g.privateKey);
  return `${header}.${claims}.${b64url(signature)}`;
}

/** A PEM from a setting: environment variables often carry its newlines as `\n`. */
export function privateKeyOf(pem: string): KeyObject {
  return createPrivateKey(pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem);
}

export interface SessionCache {
  session(): Promise<Session>;
  /** Salesforce refused this token (INVALID_SESSION_ID): the next call mints another. */
  invalidate(accessToken: string): void;
}

export function createSessionCache(o: {
  grant: Grant;
  http: ProviderHttp;
  now: () => number;
}): SessionCache {
  let held: Session | undefined;
  let pending: Promise<Session> | undefined;

  async function mint(): Promise<Session> {
    const g = o.grant;
    const form =
      g.kind === 'jwt'
        ? { grant_type: JWT_GRANT, assertion: jwtAssertion(g, o.now()) }
        : {
            grant_type: 'client_credentials',
            client_id: g.clientId,
            client_secret: g.clientSecret,
          };
    const res = await o.http.request({
      method: 'POST',
      path: '/services/oauth2/token',
      form,
      idempotent: true,
    });
    const session = res.status === 200 ? sessionOf(res.json) : undefined;
    if (!session)
      throw new TokenRefused(
        res,
        errorOf(res) ?? { code: String(res.status), message: 'no access_token and instance_url' },
      );
    held = session;
    return session;
  }

  return {
    session() {
      if (held) return Promise.resolve(held);
      pending ??= mint().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(accessToken) {
      if (held?.accessToken === accessToken) held = undefined;
    },
  };
}

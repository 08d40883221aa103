/**
 * Xero's access token (30 minutes), renewed with the refresh token — which is single-use:
 * every refresh answers a new one and the old one stops working. Concurrent callers wait
 * for one refresh, or two would race on the same single-use token.
 *
 * The newest refresh token is only held in memory: the encrypted settings store is not
 * built yet, so each rotation logs a warning that it must be persisted (never the value);
 * after a restart the configured token may already be spent.
 */
import type { ConnectorLog } from '../context.js';

export interface TokenAnswer {
  access_token: string;
  expires_in: number;
  token_type?: string;
  refresh_token?: string;
  scope?: string;
}

/** The token endpoint said no: a spent or revoked refresh token, or bad client credentials. */
export class TokenRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(
      code === 'invalid_client'
        ? `Xero's token endpoint refused the client (${status} ${code}): check ARREARS_XERO_CLIENT_ID and ARREARS_XERO_CLIENT_SECRET`
        : `Xero's token endpoint refused the refresh token (${status} ${code}): connect the app again and set ARREARS_XERO_REFRESH_TOKEN`,
    );
    this.name = 'TokenRefused';
  }
}

export interface XeroTokens {
  accessToken(): Promise<string>;
  /** The API refused this token (401): the next call refreshes. */
  invalidate(accessToken: string): void;
  /** The refresh token now in force (rotated), for a settings store to persist. */
  currentRefreshToken(): string;
}

/** Renew a minute early so no call carries a dying token. */
const EARLY_MS = 60_000;

export function createXeroTokens(o: {
  refreshToken: string;
  now: () => number;
  log: ConnectorLog;
  /** Stores a rotated refresh token (the encrypted settings store), when one is configured. */
  persist?: (refreshToken: string) => Promise<void>;
  /** POSTs the refresh grant; throws TokenRefused on a refusal. */
  exchange(form: Record<string, string>): Promise<TokenAnswer>;
}): XeroTokens {
  let refresh = o.refreshToken;
  let held: { access: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function renew(): Promise<string> {
    const answer = await o.exchange({ grant_type: 'refresh_token', refresh_token: refresh });
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
          { connector: 'xero', setting: 'ARREARS_XERO_REFRESH_TOKEN' },
          'Xero rotated the refresh token; the new one is held in memory only and must be persisted before a restart (the configured one is spent): set ARREARS_SECRETS_KEY so it is stored',
        );
    }
    held = {
      access: answer.access_token,
      expiresAt: o.now() + Math.max(0, answer.expires_in * 1000 - EARLY_MS),
    };
    return answer.access_token;
  }

  return {
    accessToken() {
      if (held && held.expiresAt > o.now()) return Promise.resolve(held.access);
      pending ??= renew().finally(() => {
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

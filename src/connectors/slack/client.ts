/**
 * The Slack Web API as Arrears uses it: chat.postMessage, users.info, auth.test, and posts
 * to a click's response_url. Slack answers most errors with HTTP 200 and
 * `{ok: false, error: "<code>"}`, so every answer is read for `ok` before its status.
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import { createProviderHttp, type ProviderHttp, type ProviderResponse } from '../http.js';
import { outcomeOfError, outcomeOfResponse, type ProviderError } from '../outcomes.js';
import { errorHint, type SlackMessage, type SlackResponse } from './map.js';

export interface SlackClientOptions {
  botToken: string;
  /** `https://slack.com/api`, or a fake's. */
  baseUrl: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

/** The fields of users.info's user object that Arrears reads. */
export interface SlackUser {
  id: string;
  name?: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  profile?: { email?: string; real_name?: string; display_name?: string };
}

export type SlackResult<T> = ({ ok: true } & T) | { ok: false; code: string; message: string };

const CREDENTIAL_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);
const RATE_LIMIT_ERRORS = new Set(['ratelimited', 'rate_limited']);
const SERVER_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** Slack's error in an answer (`ok: false`, or a non-2xx status), else undefined. */
export function slackErrorOf(res: ProviderResponse): ProviderError | undefined {
  const body = res.json as { ok?: unknown; error?: unknown } | undefined;
  if (res.status >= 200 && res.status < 300 && body?.ok === true) return undefined;
  const code = typeof body?.error === 'string' ? body.error : `http_${res.status}`;
  return { code, message: `${code}: ${errorHint(code)}` };
}

/** A chat.postMessage answer → the outbox's outcome vocabulary. */
export function outcomeOfPost(res: ProviderResponse, now: number): SendOutcome {
  const error = slackErrorOf(res);
  const ok200 = res.status >= 200 && res.status < 300;
  if (error === undefined || !ok200)
    return outcomeOfResponse(res, {
      idempotent: false,
      // An alert posted twice costs less than a lost one: a 5xx is tried again.
      serverErrorsAreRetryable: true,
      now,
      externalId: (r) => {
        const b = r.json as { channel?: unknown; ts?: unknown } | undefined;
        return typeof b?.ts === 'string' ? `${String(b.channel)}:${b.ts}` : undefined;
      },
      errorOf: slackErrorOf,
    });
  if (RATE_LIMIT_ERRORS.has(error.code))
    return res.retryAfterMs === null
      ? { tag: 'retryable', reason: error.message }
      : {
          tag: 'retry_after',
          at: new Date(now + res.retryAfterMs).toISOString(),
          reason: error.message,
        };
  if (CREDENTIAL_ERRORS.has(error.code))
    return { tag: 'retryable', reason: `credentials refused: ${error.message}` };
  if (SERVER_ERRORS.has(error.code)) return { tag: 'retryable', reason: error.message };
  return { tag: 'rejected', code: error.code, reason: error.message };
}

export function createSlackClient(options: SlackClientOptions) {
  const common = {
    baseUrl: options.baseUrl,
    userAgent: 'arrears-slack/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
  };
  const api: ProviderHttp = createProviderHttp({
    ...common,
    auth: () => ({ authorization: `Bearer ${options.botToken}` }),
  });
  // response_url is a capability URL of its own: the bot token never goes there.
  const hooks: ProviderHttp = createProviderHttp(common);
  const apiOrigin = new URL(options.baseUrl).origin;

  /** Slack's JSON content type; without the charset Slack adds a `missing_charset` warning. */
  const JSON_UTF8 = { 'content-type': 'application/json; charset=utf-8' };

  async function read<T>(
    call: Promise<ProviderResponse>,
    pick: (body: Record<string, unknown>) => T,
  ): Promise<SlackResult<T>> {
    try {
      const res = await call;
      const error = slackErrorOf(res);
      if (error) return { ok: false, ...error };
      return { ok: true, ...pick(res.json as Record<string, unknown>) };
    } catch (e) {
      return { ok: false, code: 'unreachable', message: (e as Error).message };
    }
  }

  return {
    /** Posts a message; never throws. `accepted.externalId` is `<channel>:<ts>`. */
    async postMessage(message: SlackMessage, signal?: AbortSignal): Promise<SendOutcome> {
      try {
        const res = await api.request({
          method: 'POST',
          path: '/chat.postMessage',
          json: message,
          headers: JSON_UTF8,
          retryServerErrors: true,
          signal,
        });
        return outcomeOfPost(res, options.now());
      } catch (error) {
        return outcomeOfError(error, false);
      }
    },

    /** users.info; the e-mail is there only with the users:read.email scope. */
    userInfo(userId: string, signal?: AbortSignal): Promise<SlackResult<{ user: SlackUser }>> {
      return read(
        api.request({
          method: 'GET',
          path: '/users.info',
          query: { user: userId },
          idempotent: true,
          signal,
        }),
        (body) => ({ user: body.user as SlackUser }),
      );
    },

    authTest(signal?: AbortSignal): Promise<SlackResult<{ team: string; user: string }>> {
      return read(
        api.request({ method: 'POST', path: '/auth.test', idempotent: true, signal }),
        (body) => ({ team: String(body.team ?? '?'), user: String(body.user ?? '?') }),
      );
    },

    /**
     * Posts to a click's response_url. Only Slack's hooks host (or the API's own origin, a
     * fake's) is called: a signed payload still must not steer the server anywhere else.
     */
    async respond(
      responseUrl: string,
      body: SlackResponse,
      signal?: AbortSignal,
    ): Promise<{ ok: boolean; detail: string }> {
      let origin: string;
      try {
        origin = new URL(responseUrl).origin;
      } catch {
        return { ok: false, detail: 'response_url is not a URL' };
      }
      if (origin !== 'https://hooks.slack.com' && origin !== apiOrigin)
        return { ok: false, detail: `response_url host ${origin} is not Slack's` };
      try {
        const res = await hooks.request({
          method: 'POST',
          path: responseUrl,
          json: body,
          headers: JSON_UTF8,
          signal,
        });
        const refused = (res.json as { ok?: unknown } | undefined)?.ok === false;
        const ok = res.status >= 200 && res.status < 300 && !refused;
        return { ok, detail: `response_url answered ${res.status}${refused ? ' ok:false' : ''}` };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
  };
}

export type SlackClient = ReturnType<typeof createSlackClient>;

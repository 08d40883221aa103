/**
 * The Okta Management API calls (reference §10): find the tenant's user, read its status,
 * suspend / unsuspend it. `SSWS` token auth; 429s wait for `X-Rate-Limit-Reset`.
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import type { Contact } from '../context.js';
import { createProviderHttp, type ProviderHttp, type ProviderResponse } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import {
  eventHookBody,
  hooksOf,
  oktaErrorOf,
  rateLimitResetMs,
  stepFor,
  userOf,
  userSearch,
  usersOf,
  type LifecycleOp,
  type OktaUser,
  type PortalChange,
} from './map.js';

export interface OktaClientOptions {
  /** The org URL (`https://oakcourt.okta.com`) or a fake's. */
  baseUrl: string;
  apiToken: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

export type OktaClient = ReturnType<typeof createOktaClient>;

export type SubscribeResult =
  | { ok: true; hookId: string }
  | { ok: false; step: 'list' | 'create' | 'verify'; response: ProviderResponse };

const ok = (res: ProviderResponse) => res.status >= 200 && res.status < 300;

export function createOktaClient(options: OktaClientOptions) {
  const http: ProviderHttp = createProviderHttp({
    baseUrl: options.baseUrl,
    auth: () => ({ authorization: `SSWS ${options.apiToken}` }),
    userAgent: 'arrears-okta/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
    // Okta gives no Retry-After: its 429s say when the window resets.
    rateLimitWaitMs: (headers) => rateLimitResetMs(headers, options.now()),
  });

  /** A refused answer → outcome; a lasting 429 waits for the rate-limit window. */
  function failure(res: ProviderResponse): SendOutcome {
    if (res.status === 429) {
      const now = options.now();
      const wait = res.retryAfterMs ?? rateLimitResetMs(res.headers, now);
      const reason = oktaErrorOf(res.json)?.message ?? 'rate limited';
      if (wait !== null)
        return { tag: 'retry_after', at: new Date(now + wait).toISOString(), reason };
    }
    return outcomeOfResponse(res, {
      // The flow reads before it writes, so repeating it converges on the same state.
      idempotent: true,
      now: options.now(),
      externalId: () => undefined,
      errorOf: (r) => oktaErrorOf(r.json),
    });
  }

  const findUsers = (email: string, signal?: AbortSignal) =>
    http.request({
      method: 'GET',
      path: '/api/v1/users',
      query: { search: userSearch(email), limit: 2 },
      idempotent: true,
      signal,
    });

  const getUser = (id: string, signal?: AbortSignal) =>
    http.request({
      method: 'GET',
      path: `/api/v1/users/${encodeURIComponent(id)}`,
      idempotent: true,
      signal,
    });

  const lifecycle = (id: string, op: LifecycleOp, signal?: AbortSignal) =>
    http.request({
      method: 'POST',
      path: `/api/v1/users/${encodeURIComponent(id)}/lifecycle/${op}`,
      // A transition already made answers a 4xx that the re-read below turns into success.
      idempotent: true,
      signal,
    });

  async function apply(
    change: PortalChange,
    contact: Contact,
    signal?: AbortSignal,
  ): Promise<SendOutcome> {
    if (!contact.email)
      return {
        tag: 'rejected',
        code: 'no_login',
        reason: 'the tenant has no e-mail to find their Okta user by',
      };
    const found = await findUsers(contact.email, signal);
    if (!ok(found)) return failure(found);
    const users = usersOf(found.json);
    if (users.length === 0)
      return {
        tag: 'rejected',
        code: 'user_not_found',
        reason: 'no Okta user has the tenant’s e-mail as login or primary e-mail',
      };
    if (users.length > 1)
      return {
        tag: 'rejected',
        code: 'ambiguous_user',
        reason: 'several Okta users match the tenant’s e-mail',
      };
    const user: OktaUser = users[0]!;
    const step = stepFor(change, user);
    if (step.kind === 'done') return { tag: 'accepted', externalId: user.id };
    if (step.kind === 'refuse') return { tag: 'rejected', code: step.code, reason: step.reason };

    const res = await lifecycle(user.id, step.op, signal);
    if (ok(res)) return { tag: 'accepted', externalId: user.id };
    if (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 429) {
      // Wrong state: someone (or our lost earlier attempt) moved the user meanwhile.
      const again = await getUser(user.id, signal);
      const now = ok(again) ? userOf(again.json) : undefined;
      if (now && stepFor(change, now).kind === 'done')
        return { tag: 'accepted', externalId: user.id };
    }
    return failure(res);
  }

  return {
    /** Denies or restores the tenant's portal access; never throws. */
    async applyPortal(
      change: PortalChange,
      contact: Contact,
      signal?: AbortSignal,
    ): Promise<SendOutcome> {
      try {
        return await apply(change, contact, signal);
      } catch (error) {
        return outcomeOfError(error, true);
      }
    },
    me: (signal?: AbortSignal) =>
      http.request({ method: 'GET', path: '/api/v1/users/me', idempotent: true, signal }),

    /**
     * Registers (once per URI) and verifies the event hook that posts user lifecycle events
     * to `uri` with `Authorization: <secret>`; Okta then calls the URI with its challenge.
     */
    async subscribe(uri: string, secret: string, signal?: AbortSignal): Promise<SubscribeResult> {
      const listed = await http.request({
        method: 'GET',
        path: '/api/v1/eventHooks',
        idempotent: true,
        signal,
      });
      if (!ok(listed)) return { ok: false, step: 'list', response: listed };
      let hook = hooksOf(listed.json).find((h) => h.channel?.config?.uri === uri);
      if (!hook) {
        const created = await http.request({
          method: 'POST',
          path: '/api/v1/eventHooks',
          json: eventHookBody(uri, secret),
          signal,
        });
        if (!ok(created)) return { ok: false, step: 'create', response: created };
        hook = hooksOf([created.json])[0];
        if (!hook) return { ok: false, step: 'create', response: created };
      }
      if (hook.verificationStatus === 'VERIFIED') return { ok: true, hookId: hook.id };
      const verified = await http.request({
        method: 'POST',
        path: `/api/v1/eventHooks/${encodeURIComponent(hook.id)}/lifecycle/verify`,
        signal,
      });
      return ok(verified)
        ? { ok: true, hookId: hook.id }
        : { ok: false, step: 'verify', response: verified };
    },
  };
}

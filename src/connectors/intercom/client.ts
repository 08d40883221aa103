/**
 * Intercom's REST API (reference §7), the only file of this connector that calls it: Bearer
 * token and `Intercom-Version` on every request.
 *
 * A chat message is several calls. The lookups come first — the tenant as an Intercom user
 * (`GET /contacts/find_by_external_id/{tenant id}`, created with `POST /contacts` when
 * missing) and their open conversations (`POST /conversations/search`) — and are safe to
 * repeat: until the last call nothing reached the tenant, so any failure there is retried.
 * The last call replies as the admin to the most recent open conversation
 * (`POST /conversations/{id}/reply`) or, with none open, sends an in-app message that opens
 * one (`POST /messages`); Intercom documents no idempotency, so a lost answer there is
 * `unknown`, never repeated blindly. The balance write-back is one `PUT /contacts/{id}`,
 * safe to repeat.
 *
 * 429: retried inside the call when short; otherwise `retry_after` at `Retry-After`, or at
 * `X-RateLimit-Reset` (unix seconds) which is what Intercom sends.
 */
import type { OutboxItem, SendOutcome } from '../../app/ports/outbox.js';
import type { Contact } from '../context.js';
import { createProviderHttp, type ProviderRequest, type ProviderResponse } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import {
  adminReplyBody,
  balanceBody,
  contactPointOf,
  errorOf,
  idOf,
  inAppMessageBody,
  latestConversationId,
  newContactBody,
  newPartId,
  openConversationsQuery,
} from './map.js';

export interface IntercomClientOptions {
  accessToken: string;
  /** The admin replies and messages are sent as. */
  adminId: string;
  /** `Intercom-Version` (default 2.14). */
  version: string;
  baseUrl: string;
  now: () => number;
  maxRetryWaitMs?: number;
  baseDelayMs?: number;
}

type Step<T> = { ok: true; value: T } | { ok: false; outcome: SendOutcome };

/** A 429 without Retry-After waits for X-RateLimit-Reset instead. */
function withRateLimitReset(res: ProviderResponse, now: number): ProviderResponse {
  if (res.status !== 429 || res.retryAfterMs !== null) return res;
  const reset = Number(res.headers.get('x-ratelimit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return res;
  return { ...res, retryAfterMs: Math.max(0, reset * 1000 - now) };
}

export function createIntercomClient(o: IntercomClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    auth: () => ({ authorization: `Bearer ${o.accessToken}` }),
    userAgent: 'arrears-intercom/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    baseDelayMs: o.baseDelayMs,
  });
  const call = (req: ProviderRequest) =>
    http.request({ ...req, headers: { 'Intercom-Version': o.version, ...req.headers } });

  const outcomeOf = (
    res: ProviderResponse,
    idempotent: boolean,
    externalId: () => string | undefined,
  ) => {
    // One reading of the clock: the wait until the reset and the instant it is counted
    // from must agree, or the retry lands a millisecond or more past the reset.
    const now = o.now();
    return outcomeOfResponse(withRateLimitReset(res, now), {
      idempotent,
      now,
      externalId,
      errorOf: (r) => errorOf(r.json),
    });
  };

  /** A lookup before anything reached the tenant: every failure may be retried. */
  async function lookup<T>(
    req: ProviderRequest,
    read: (res: ProviderResponse) => Step<T> | undefined,
  ): Promise<Step<T>> {
    try {
      const res = await call({ ...req, idempotent: true });
      const known = read(res);
      if (known) return known;
      const outcome = outcomeOf(res, true, () => undefined);
      return {
        ok: false,
        outcome:
          outcome.tag === 'accepted'
            ? { tag: 'retryable', reason: `HTTP ${res.status} without the expected body` }
            : outcome,
      };
    } catch (error) {
      return { ok: false, outcome: outcomeOfError(error, true) };
    }
  }

  const found = (res: ProviderResponse): Step<string> | undefined => {
    const id = res.status === 200 ? idOf(res.json) : undefined;
    return id !== undefined ? { ok: true, value: id } : undefined;
  };

  /** The tenant's Intercom contact id, created as a user keyed by the tenant id if missing. */
  async function contactIdOf(contact: Contact): Promise<Step<string>> {
    const existing = await lookup<string | undefined>(
      {
        method: 'GET',
        path: `/contacts/find_by_external_id/${encodeURIComponent(contact.tenantId)}`,
      },
      (res) => (res.status === 404 ? { ok: true, value: undefined } : found(res)),
    );
    if (!existing.ok) return existing;
    if (existing.value !== undefined) return { ok: true, value: existing.value };
    return lookup({ method: 'POST', path: '/contacts', json: newContactBody(contact) }, (res) => {
      if (res.status === 409) {
        // Already there (created by a previous attempt, or as a lead): Intercom names its id.
        const id = /\bid=([A-Za-z0-9]+)/.exec(errorOf(res.json)?.message ?? '')?.[1];
        if (id !== undefined) return { ok: true, value: id };
      }
      return found(res);
    });
  }

  async function openConversationOf(contactId: string): Promise<Step<string | undefined>> {
    return lookup(
      { method: 'POST', path: '/conversations/search', json: openConversationsQuery(contactId) },
      (res) =>
        res.status === 200 ? { ok: true, value: latestConversationId(res.json) } : undefined,
    );
  }

  return {
    /** `message:chat`: the tenant's latest open conversation, else a new in-app message. */
    async sendChat(item: OutboxItem, contact: Contact, signal?: AbortSignal): Promise<SendOutcome> {
      const contactId = await contactIdOf(contact);
      if (!contactId.ok) return contactId.outcome;
      const conversation = await openConversationOf(contactId.value);
      if (!conversation.ok) return conversation.outcome;
      try {
        if (conversation.value !== undefined) {
          const res = await call({
            method: 'POST',
            path: `/conversations/${encodeURIComponent(conversation.value)}/reply`,
            json: adminReplyBody(o.adminId, item),
            signal,
          });
          return outcomeOf(res, false, () => {
            const part = newPartId(res.json);
            return part === undefined ? undefined : `${conversation.value}:${part}`;
          });
        }
        const res = await call({
          method: 'POST',
          path: '/messages',
          json: inAppMessageBody(o.adminId, contactId.value, item),
          signal,
        });
        return outcomeOf(res, false, () => idOf(res.json));
      } catch (error) {
        return outcomeOfError(error, false);
      }
    },

    /** `writeback:intercom`: the balance and status custom attributes on the contact. */
    async writeBalance(
      item: OutboxItem,
      contact: Contact,
      signal?: AbortSignal,
    ): Promise<SendOutcome> {
      const body = balanceBody(item);
      if (body === undefined)
        return {
          tag: 'rejected',
          code: 'no_balance',
          reason: 'the item carries no past-due amount',
        };
      const contactId = await contactIdOf(contact);
      if (!contactId.ok) return contactId.outcome;
      try {
        const res = await call({
          method: 'PUT',
          path: `/contacts/${encodeURIComponent(contactId.value)}`,
          json: body,
          idempotent: true,
          signal,
        });
        return outcomeOf(res, true, () => idOf(res.json));
      } catch (error) {
        return outcomeOfError(error, true);
      }
    },

    /** The e-mail or phone of a contact (a notification that named neither). */
    async contactPoint(contactId: string): Promise<string | undefined> {
      const res = await call({
        method: 'GET',
        path: `/contacts/${encodeURIComponent(contactId)}`,
        idempotent: true,
      });
      return res.status === 200 ? contactPointOf(res.json) : undefined;
    },

    /** `GET /me`: the admin the token belongs to. */
    me(signal?: AbortSignal) {
      return call({ method: 'GET', path: '/me', idempotent: true, signal });
    },
  };
}

export type IntercomClient = ReturnType<typeof createIntercomClient>;

/**
 * A generic JSON-over-HTTP provider (a signed-webhook style endpoint, or any API that takes
 * one POST per message). With `idempotent: true` it sends the outbox key as the
 * `Idempotency-Key` header, so a repeated request after a crash has one effect.
 *
 * Answers map to outcome tags:
 *   2xx                               → accepted {externalId: body.id ?? body.externalId ?? key}
 *   429 / 503 with Retry-After        → retry_after {at}
 *   429 / 503 without                 → retryable
 *   408, 425, 5xx                     → retryable when idempotent; unknown otherwise (the
 *                                       server may have acted before failing)
 *   other 4xx                         → rejected {code: HTTP status, reason: body message}
 *   connection refused / DNS failure  → retryable (nothing reached the provider)
 *   timeout, reset, abort mid-request → retryable when idempotent, else unknown
 */
import type { OutboxItem, Sender, SendContext, SendOutcome } from '../app/ports/outbox.js';

export interface HttpSenderOptions {
  id: string;
  url: string;
  idempotent: boolean;
  timeoutMs?: number;
  /** Extra headers (never logged). */
  headers?: Record<string, string>;
  /** The request body; default: the item's key, lease, type, channel, method, contact, payload. */
  body?: (item: OutboxItem) => unknown;
  /** For tests: the clock `Retry-After` seconds count from. */
  now?: () => number;
}

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function createHttpSender(options: HttpSenderOptions): Sender {
  const now = options.now ?? (() => Date.now());
  const lost = (reason: string): SendOutcome =>
    options.idempotent ? { tag: 'retryable', reason } : { tag: 'unknown', reason };
  return {
    id: options.id,
    idempotent: options.idempotent,
    async send(item: OutboxItem, ctx: SendContext): Promise<SendOutcome> {
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
      const signal = ctx.signal ? AbortSignal.any([timeout, ctx.signal]) : timeout;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...options.headers,
      };
      if (options.idempotent) headers['idempotency-key'] = ctx.idempotencyKey;
      const body = options.body
        ? options.body(item)
        : {
            key: item.key,
            leaseId: item.leaseId,
            type: item.type,
            channel: item.channel,
            method: item.method,
            contactId: item.contactId,
            payload: item.payload,
          };
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal,
        });
      } catch (e) {
        const code = errorCode(e);
        if (code !== undefined && NOT_SENT.has(code))
          return { tag: 'retryable', reason: `${code}: the provider was not reached` };
        return lost(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      }
      let text = '';
      try {
        text = await response.text();
      } catch (e) {
        if (response.ok) return lost(`answer lost after HTTP ${response.status}: ${String(e)}`);
      }
      const json = parse(text);
      const s = response.status;
      if (s >= 200 && s < 300) {
        const id = json?.id ?? json?.externalId;
        return { tag: 'accepted', externalId: typeof id === 'string' ? id : item.key };
      }
      const message =
        (typeof json?.message === 'string' && json.message) ||
        (typeof json?.error === 'string' && json.error) ||
        response.statusText ||
        `HTTP ${s}`;
      if (s === 429 || s === 503) {
        const at = retryAt(response.headers.get('retry-after'), now());
        return at
          ? { tag: 'retry_after', at, reason: `HTTP ${s}` }
          : { tag: 'retryable', reason: `HTTP ${s}: ${message}` };
      }
      if (s === 408 || s === 425 || s >= 500) return lost(`HTTP ${s}: ${message}`);
      const code =
        typeof json?.code === 'string' || typeof json?.code === 'number'
          ? String(json.code)
          : String(s);
      return { tag: 'rejected', code, reason: message };
    },
  };
}

/** `Retry-After` as seconds or an HTTP date, as an ISO instant. */
export function retryAt(header: string | null, nowMs: number): string | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0)
    return new Date(nowMs + seconds * 1000).toISOString();
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : new Date(date).toISOString();
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

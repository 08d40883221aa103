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
 *   3xx (redirects are not followed)  → rejected
 *
 * Requests go over `node:http(s)` with a keep-alive agent of its own (connections reused
 * between sends): a worker sending hundreds of items a second spends its time on them, not
 * on `fetch`'s stream machinery.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

interface HttpAnswer {
  status: number;
  statusText: string;
  retryAfter: string | null;
  /** The body, or the error that cut it off. */
  text: string;
  bodyError?: unknown;
}

/**
 * One POST; rejects when no answer (status line and headers) came back within `timeoutMs`
 * (a TimeoutError) or `signal` aborted it.
 */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  agent: HttpAgent,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<HttpAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent,
        ...(signal ? { signal } : {}),
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        const answer = (bodyError?: unknown) =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            retryAfter: headerValue(res.headers['retry-after']),
            text: Buffer.concat(chunks).toString('utf8'),
            ...(bodyError === undefined ? {} : { bodyError }),
          });
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => answer());
        res.on('error', (e) => answer(e));
        res.on('aborted', () => answer(new Error('the answer was cut off')));
      },
    );
    // One timer for the whole exchange (cheaper than an AbortSignal.timeout per request).
    const timer = setTimeout(() => {
      const e = new Error(`no answer within ${timeoutMs} ms`);
      e.name = 'TimeoutError';
      req.destroy(e);
    }, timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(body);
  });
}

function headerValue(v: string | string[] | undefined): string | null {
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
}

export function createHttpSender(options: HttpSenderOptions): Sender {
  const now = options.now ?? (() => Date.now());
  const url = new URL(options.url);
  const agent =
    url.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true })
      : new HttpAgent({ keepAlive: true });
  const lost = (reason: string): SendOutcome =>
    options.idempotent ? { tag: 'retryable', reason } : { tag: 'unknown', reason };
  return {
    id: options.id,
    idempotent: options.idempotent,
    async send(item: OutboxItem, ctx: SendContext): Promise<SendOutcome> {
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
      let response: HttpAnswer;
      try {
        response = await post(
          url,
          headers,
          JSON.stringify(body),
          agent,
          options.timeoutMs ?? 15_000,
          ctx.signal,
        );
      } catch (e) {
        const code = errorCode(e);
        if (code !== undefined && NOT_SENT.has(code))
          return { tag: 'retryable', reason: `${code}: the provider was not reached` };
        return lost(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      }
      const s = response.status;
      const ok = s >= 200 && s < 300;
      if (response.bodyError !== undefined && ok)
        return lost(`answer lost after HTTP ${s}: ${String(response.bodyError)}`);
      const json = parse(response.bodyError === undefined ? response.text : '');
      if (ok) {
        const id = json?.id ?? json?.externalId;
        return { tag: 'accepted', externalId: typeof id === 'string' ? id : item.key };
      }
      const message =
        (typeof json?.message === 'string' && json.message) ||
        (typeof json?.error === 'string' && json.error) ||
        response.statusText ||
        `HTTP ${s}`;
      if (s === 429 || s === 503) {
        const at = retryAt(response.retryAfter, now());
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

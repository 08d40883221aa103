/**
 * The one way connectors call providers: JSON, form or raw bodies over `fetch`, a timeout
 * per attempt, and retries with backoff that honour `Retry-After` (SPEC 11).
 *
 * What is retried inside one call:
 *   429                      always (the provider did not act); waits `Retry-After` when
 *                            given, else exponential backoff with jitter
 *   500, 502, 503, 504       when the request is safe to repeat (`idempotent`, or the provider
 *                            documents 5xx as not processed: `retryServerErrors`)
 *   connection refused, DNS  always (nothing reached the provider)
 *   timeout, reset           only when `idempotent`; else a `ProviderHttpError('lost')`
 * A wait longer than `maxRetryWaitMs` is not slept: the answer is returned so the caller
 * turns it into `retry_after` and the outbox schedules the retry instead.
 */
export type Query = Record<string, string | number | boolean | undefined | readonly string[]>;

export interface ProviderRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** A path under the base URL (`/v3/mail/send`) or an absolute URL. */
  path: string;
  query?: Query;
  headers?: Record<string, string>;
  /** Exactly one body kind. */
  json?: unknown;
  form?: Record<string, string | number | boolean | undefined | readonly string[]>;
  body?: string | Uint8Array | FormData;
  contentType?: string;
  /** Safe to repeat after a lost answer or a 5xx (GET, or an idempotency key is sent). */
  idempotent?: boolean;
  /** The provider documents 5xx as "not processed": retry them even when not idempotent. */
  retryServerErrors?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ProviderResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** `Retry-After` in milliseconds from now, when given. */
  retryAfterMs: number | null;
  attempts: number;
}

export class ProviderHttpError extends Error {
  constructor(
    /** `not_sent`: nothing reached the provider; `lost`: it may have acted. */
    readonly kind: 'not_sent' | 'lost',
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'ProviderHttpError';
  }
}

export interface ProviderHttpOptions {
  baseUrl: string;
  /** Headers for every request (auth); may refresh a token. Never logged. */
  auth?: () => Record<string, string> | Promise<Record<string, string>>;
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  /** The longest wait slept inside one call (default 5 s). */
  maxRetryWaitMs?: number;
  /** The wait for a 429 without Retry-After (RingCentral: X-Rate-Limit-Window); null → backoff. */
  rateLimitWaitMs?: (headers: Headers) => number | null;
  /** First backoff step (default 250 ms), doubled per attempt. */
  baseDelayMs?: number;
  /** Per attempt (default 15 s). */
  timeoutMs?: number;
  userAgent?: string;
  /** For tests: the wall clock and sleep. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ProviderHttp {
  readonly baseUrl: string;
  request(request: ProviderRequest): Promise<ProviderResponse>;
}

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const SERVER_RETRY = new Set([500, 502, 503, 504]);

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; null when absent or bad. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function urlOf(baseUrl: string, path: string, query?: Query): URL {
  const url = /^https?:\/\//.test(path)
    ? new URL(path)
    : new URL(baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v))
      for (const item of v as readonly string[]) url.searchParams.append(k, item);
    else url.searchParams.append(k, String(v));
  }
  return url;
}

/** `application/x-www-form-urlencoded`, repeated keys for lists (Twilio's `MediaUrl`). */
export function formBody(fields: NonNullable<ProviderRequest['form']>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v as readonly string[]) params.append(k, item);
    else params.append(k, String(v));
  }
  return params.toString();
}

function causeCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxRetries = options.maxRetries ?? 3;
  const maxWait = options.maxRetryWaitMs ?? 5_000;
  const baseDelay = options.baseDelayMs ?? 250;
  const backoff = (attempt: number) =>
    Math.min(maxWait, baseDelay * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);

  return {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    async request(req) {
      const url = urlOf(options.baseUrl, req.path, req.query);
      let body: string | Uint8Array | FormData | undefined;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.userAgent) headers['user-agent'] = options.userAgent;
      if (req.json !== undefined) {
        body = JSON.stringify(req.json);
        headers['content-type'] = 'application/json';
      } else if (req.form !== undefined) {
        body = formBody(req.form);
        headers['content-type'] = 'application/x-www-form-urlencoded';
      } else if (req.body !== undefined) {
        body = req.body;
        if (req.contentType) headers['content-type'] = req.contentType;
      }

      for (let attempt = 1; ; attempt++) {
        const auth = options.auth ? await options.auth() : {};
        const timeout = AbortSignal.timeout(req.timeoutMs ?? options.timeoutMs ?? 15_000);
        const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
        let res: Response;
        try {
          res = await fetch(url, {
            method: req.method,
            headers: { ...headers, ...auth, ...req.headers },
            body: body as RequestInit['body'],
            signal,
            redirect: 'manual',
          });
        } catch (error) {
          const code = causeCode(error);
          const notSent = code !== undefined && NOT_SENT.has(code);
          const canRepeat = notSent || req.idempotent === true;
          if (canRepeat && attempt <= maxRetries && !req.signal?.aborted) {
            await sleep(backoff(attempt));
            continue;
          }
          const why = timeout.aborted ? 'timed out' : (code ?? (error as Error).message);
          throw new ProviderHttpError(
            notSent ? 'not_sent' : 'lost',
            `${req.method} ${url.host}${url.pathname}: ${why}`,
            attempt,
          );
        }
        const text = req.method === 'HEAD' ? '' : await res.text();
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
        const repeatable =
          res.status === 429 ||
          (SERVER_RETRY.has(res.status) &&
            (req.idempotent === true || req.retryServerErrors === true));
        if (repeatable && attempt <= maxRetries && !req.signal?.aborted) {
          const wait =
            retryAfterMs ??
            (res.status === 429 ? (options.rateLimitWaitMs?.(res.headers) ?? null) : null) ??
            backoff(attempt);
          if (wait <= maxWait) {
            await sleep(wait);
            continue;
          }
        }
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        return {
          status: res.status,
          headers: res.headers,
          text,
          json,
          retryAfterMs,
          attempts: attempt,
        };
      }
    },
  };
}

/** Basic auth header value. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * The dashboard's only way to the server: JSON over same-origin fetch.
 *
 * - Paths are relative to `/api/v1` (`get('/queue')`) unless they start with `/api/`,
 *   `/readyz` or `/healthz`.
 * - The session cookie is HttpOnly and travels with `credentials: 'same-origin'`; every
 *   non-GET request carries `x-csrf-token` (the token of POST/GET /api/v1/session).
 * - Errors are RFC 9457 problem+json; they surface as `ApiError` with the problem's
 *   `title`, `detail` and `errors[{path, message}]`.
 * - A 401 outside the session endpoints tells the app the session is gone (login again);
 *   a 403 about the CSRF token refreshes the token once and retries.
 */

export interface ProblemIssue {
  path: string;
  message: string;
}

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: ProblemIssue[];
  requestId?: string;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors: ProblemIssue[];
  readonly type: string | undefined;
  readonly body: unknown;

  constructor(status: number, body: unknown, fallback: string) {
    const p: ProblemBody = isObject(body) ? (body as ProblemBody) : {};
    const title = typeof p.title === 'string' ? p.title : fallback;
    const detail = typeof p.detail === 'string' ? p.detail : '';
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = Array.isArray(p.errors)
      ? p.errors.filter(
          (e): e is ProblemIssue =>
            isObject(e) && typeof e.path === 'string' && typeof e.message === 'string',
        )
      : [];
    this.type = typeof p.type === 'string' ? p.type : undefined;
    this.body = body;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const API_BASE = '/api/v1';

export function apiUrl(path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  if (path.startsWith('/api/') || path.startsWith('/readyz') || path.startsWith('/healthz'))
    return path;
  return `${API_BASE}${path.startsWith('/') ? path : `/${path}`}`;
}

/** Builds `path?k=v&…`, leaving out undefined, null and empty values. */
export function withQuery(
  path: string,
  query: Record<string, string | number | boolean | null | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

/** `encodeURIComponent` for one path segment (outbox keys hold `:` and `/`). */
export const seg = (s: string) => encodeURIComponent(s);

let csrfToken: string | null = null;
let unauthorizedHandler: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Called when the server answers 401 (the session expired or was revoked). */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestOptions {
  /** Statuses whose JSON body is returned instead of thrown (`/readyz` answers 503). */
  acceptStatuses?: number[];
  signal?: AbortSignal;
}

const SESSION_PATH = `${API_BASE}/session`;

async function parseBody(res: Response): Promise<unknown> {
  if (res.status === 204 || res.status === 205) return undefined;
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (text === '') return undefined;
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function looksLikeCsrfRefusal(status: number, body: unknown): boolean {
  if (status !== 403 || !isObject(body)) return false;
  const text = `${String(body.type ?? '')} ${String(body.title ?? '')} ${String(body.detail ?? '')}`;
  return /csrf/i.test(text);
}

async function refreshCsrfToken(): Promise<boolean> {
  try {
    const res = await fetch(SESSION_PATH, {
      method: 'GET',
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (!res.ok) return false;
    const body = await parseBody(res);
    if (isObject(body) && typeof body.csrfToken === 'string') {
      csrfToken = body.csrfToken;
      return true;
    }
  } catch {
    // fall through
  }
  return false;
}

export async function request<T>(
  method: Method,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
  retried = false,
): Promise<T> {
  const url = apiUrl(path);
  const headers: Record<string, string> = {
    accept: 'application/json, application/problem+json',
  };
  let payload: string | undefined;
  if (method !== 'GET' && method !== 'DELETE') {
    // Fastify refuses an empty JSON body: send `{}` when there is nothing to say.
    payload = JSON.stringify(body ?? {});
    headers['content-type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;

  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      ...(payload !== undefined ? { body: payload } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, undefined, 'The server cannot be reached; check your connection');
  }
  const data = await parseBody(res);
  if (res.ok || options.acceptStatuses?.includes(res.status)) return data as T;

  if (!retried && method !== 'GET' && looksLikeCsrfRefusal(res.status, data)) {
    if (await refreshCsrfToken()) return request<T>(method, path, body, options, true);
  }
  if (res.status === 401 && !url.startsWith(SESSION_PATH)) unauthorizedHandler?.();
  throw new ApiError(res.status, data, `${res.status} ${res.statusText || 'request failed'}`);
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, body, options),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('PATCH', path, body, options),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('PUT', path, body, options),
  del: <T = void>(path: string, options?: RequestOptions) =>
    request<T>('DELETE', path, undefined, options),
};

/** `{items}` of a list endpoint, whatever the server named the array. */
export function itemsOf<T>(body: unknown, ...names: string[]): T[] {
  if (Array.isArray(body)) return body as T[];
  if (!isObject(body)) return [];
  for (const name of [...names, 'items', 'rows', 'data']) {
    const v = body[name];
    if (Array.isArray(v)) return v as T[];
  }
  return [];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Reads every page of a cursor-paginated list, up to `maxPages`. */
export async function getAllPages<T>(
  path: string,
  maxPages = 10,
  limit = 200,
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page: Page<T> = await api.get<Page<T>>(withQuery(path, { limit, cursor }));
    items.push(...itemsOf<T>(page));
    cursor = page.nextCursor ?? null;
    if (!cursor) return { items, truncated: false };
  }
  return { items, truncated: true };
}

/** A message fit for an alert, from anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail || error.title;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Uploads a file as the raw request body (task photos), with the session's CSRF token. */
export async function uploadFile<T>(path: string, file: Blob): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json, application/problem+json',
    'content-type': file.type || 'application/octet-stream',
  };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(apiUrl(path), {
    method: 'POST',
    headers,
    credentials: 'same-origin',
    body: file,
  });
  const data = await parseBody(res);
  if (res.ok) return data as T;
  throw new ApiError(res.status, data, `${res.status} ${res.statusText || 'upload failed'}`);
}

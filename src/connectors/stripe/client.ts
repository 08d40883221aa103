/**
 * The only file that calls Stripe. Reads are GETs (safe to repeat); every POST carries an
 * Idempotency-Key, so 5xx and lost answers are retried as Stripe replays the first result.
 * Stripe's 429 has no Retry-After: http.ts backs off exponentially with jitter, as Stripe
 * asks.
 */
import {
  createProviderHttp,
  type ProviderHttp,
  type ProviderResponse,
  type Query,
} from '../http.js';
import {
  PAGE_LIMIT,
  PATHS,
  STRIPE_VERSION,
  providerErrorOf,
  stripeErrorOf,
  type StripeCustomer,
  type StripeEvent,
  type StripeInvoice,
  type StripeInvoicePayment,
  type StripeList,
} from './map.js';

/** A read Stripe refused (or a list that did not parse): the sync stops and retries later. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Worth another try later: throttling, an outage, credentials being fixed. */
    readonly retryable: boolean,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
    this.name = 'StripeApiError';
  }
}

export function apiErrorOf(method: string, path: string, res: ProviderResponse): StripeApiError {
  const err = providerErrorOf(res.json) ?? {
    code: String(res.status),
    message: `HTTP ${res.status}`,
  };
  const retryable = res.status === 429 || res.status === 401 || res.status >= 500;
  return new StripeApiError(
    res.status,
    err.code,
    `${method} ${path} answered ${res.status}: ${err.code} ${err.message}`,
    retryable,
    res.retryAfterMs,
  );
}

export interface StripeClientOptions {
  apiKey: string;
  baseUrl: string;
  now: () => number;
  maxRetryWaitMs?: number;
  baseDelayMs?: number;
}

export type StripeClient = ReturnType<typeof createStripeClient>;

export function createStripeClient(o: StripeClientOptions) {
  const http: ProviderHttp = createProviderHttp({
    baseUrl: o.baseUrl,
    auth: () => ({ authorization: `Bearer ${o.apiKey}`, 'stripe-version': STRIPE_VERSION }),
    userAgent: 'arrears-stripe/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    baseDelayMs: o.baseDelayMs,
  });

  async function get<T>(path: string, query: Query, signal?: AbortSignal): Promise<T> {
    const res = await http.request({ method: 'GET', path, query, idempotent: true, signal });
    if (res.status !== 200 || res.json === undefined) throw apiErrorOf('GET', path, res);
    return res.json as T;
  }

  async function list<T extends { id: string }>(
    path: string,
    query: Query,
    signal?: AbortSignal,
  ): Promise<StripeList<T>> {
    const page = await get<StripeList<T>>(path, { limit: PAGE_LIMIT, ...query }, signal);
    if (!Array.isArray(page.data))
      throw new StripeApiError(200, 'bad_list', `GET ${path}: not a Stripe list`, false, null);
    return page;
  }

  /** Every object of a list, following `has_more` / `starting_after`. */
  async function all<T extends { id: string }>(
    path: string,
    query: Query,
    signal?: AbortSignal,
  ): Promise<T[]> {
    const out: T[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await list<T>(path, { ...query, starting_after: after }, signal);
      out.push(...page.data);
      const last = page.data.at(-1);
      if (!page.has_more || !last) return out;
      after = last.id;
    }
  }

  function post(path: string, form: Record<string, string>, key: string, signal?: AbortSignal) {
    return http.request({
      method: 'POST',
      path,
      form,
      headers: { 'idempotency-key': key },
      idempotent: true,
      signal,
    });
  }

  return {
    customers: (after: string | null, limit: number, signal?: AbortSignal) =>
      list<StripeCustomer>(
        PATHS.customers,
        { limit, ...(after ? { starting_after: after } : {}) },
        signal,
      ),
    customer: (id: string, signal?: AbortSignal) =>
      get<StripeCustomer>(PATHS.customer(id), {}, signal),
    /** Customers whose e-mail is exactly `email` (at most two: one is an answer, two is not). */
    customersByEmail: (email: string, signal?: AbortSignal) =>
      list<StripeCustomer>(PATHS.customers, { email, limit: 2 }, signal),
    searchCustomers: (query: string, signal?: AbortSignal) =>
      list<StripeCustomer>(PATHS.customerSearch, { query, limit: 2 }, signal),
    invoicesOf: (customer: string, signal?: AbortSignal, status?: 'open') =>
      all<StripeInvoice>(PATHS.invoices, { customer, status }, signal),
    paidInvoicePayments: (invoice: string, signal?: AbortSignal) =>
      all<StripeInvoicePayment>(PATHS.invoicePayments, { invoice, status: 'paid' }, signal),
    events: (
      createdAfter: number,
      types: readonly string[],
      after: string | undefined,
      signal?: AbortSignal,
    ) =>
      list<StripeEvent>(
        PATHS.events,
        { 'created[gt]': createdAfter, 'types[]': types, starting_after: after },
        signal,
      ),
    updateMetadata: (
      customer: string,
      form: Record<string, string>,
      key: string,
      signal?: AbortSignal,
    ) => post(PATHS.customer(customer), form, key, signal),
    invoiceAction: (invoice: string, action: 'pay' | 'send', key: string, signal?: AbortSignal) =>
      post(PATHS.invoiceAction(invoice, action), {}, key, signal),
  };
}

/** Stripe's "this key was already used for another request" (400 idempotency_error). */
export function isIdempotencyReuse(res: ProviderResponse): boolean {
  return res.status === 400 && stripeErrorOf(res.json)?.type === 'idempotency_error';
}

/**
 * A local Stripe for tests and the demo, built from reference §3: Bearer key auth with
 * Stripe's error shape, customers / invoices / invoice payments / events with list
 * pagination (`limit`, `starting_after`, `has_more`, newest first), customer search,
 * metadata updates, invoice pay / send, Idempotency-Key replay (and the error for a key
 * reused with other parameters), events on every change, and signed webhook deliveries.
 * Faults (429 rate_limit, 5xx api_error) come from startFake's failNext / fault.
 */
import {
  startFake,
  postCallback,
  type FakeReply,
  type FakeRequest,
  type FakeServer,
} from '../fake/fake-http.js';
import { signStripe } from './webhooks.js';
import type { StripeCustomer, StripeEvent, StripeInvoice, StripeInvoicePayment } from './map.js';

export interface StripeFakeOptions {
  apiKey: string;
  webhookSecret?: string;
  /** Epoch ms; the fake's `created` times and event clock. */
  now?: () => number;
}

export interface StripeFake extends FakeServer {
  customers: Map<string, StripeCustomer>;
  invoices: Map<string, StripeInvoice>;
  invoicePayments: Map<string, StripeInvoicePayment>;
  events: StripeEvent[];
  /** The next /pay is declined (402 card_error). */
  declineNext: boolean;
  addCustomer(over?: Partial<StripeCustomer>): StripeCustomer;
  addInvoice(customer: string, over?: Partial<StripeInvoice>): StripeInvoice;
  /** Pays an open invoice as Stripe would (invoice payment, `invoice.paid` event). */
  pay(invoiceId: string): StripeInvoicePayment;
  deleteCustomer(id: string): void;
  addEvent(type: string, object: { id: string; object: string }): StripeEvent;
  /** Raw body and headers of a delivery of `event`, signed at `t` (unix s, default now). */
  signed(
    event: unknown,
    t?: number,
    secret?: string,
  ): { raw: string; headers: Record<string, string> };
  deliver(url: string, event: unknown): Promise<{ status: number; text: string }>;
  /** Stripe's 429 (no Retry-After: clients back off). */
  rateLimitNext(times: number): void;
}

export const stripeError = (
  type: string,
  message: string,
  extra: { code?: string; param?: string; decline_code?: string } = {},
) => ({ error: { type, message, ...extra } });

const RATE_LIMITED = stripeError(
  'invalid_request_error',
  'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
  { code: 'rate_limit' },
);

interface Stored {
  fingerprint: string;
  status: number;
  body: unknown;
}

export async function startStripeFake(o: StripeFakeOptions): Promise<StripeFake> {
  const now = o.now ?? Date.now;
  const nowS = () => Math.floor(now() / 1000);
  const customers = new Map<string, StripeCustomer>();
  const invoices = new Map<string, StripeInvoice>();
  const invoicePayments = new Map<string, StripeInvoicePayment>();
  const events: StripeEvent[] = [];
  const idempotency = new Map<string, Stored>();
  const order = new Map<string, number>();
  let seq = 0;
  const nextId = (prefix: string) => {
    seq++;
    const id = `${prefix}_${String(seq).padStart(6, '0')}Fk`;
    order.set(id, seq);
    return id;
  };
  // eslint-disable-next-line prefer-const -- handlers read it once assigned
  let fake: StripeFake;

  /** Newest first, as Stripe lists; `starting_after` continues after that object. */
  function page<T extends { id: string; created?: number }>(
    items: Iterable<T>,
    req: FakeRequest,
    path: string,
  ): { status: number; body: unknown } {
    const limit = Number(req.query.get('limit') ?? '10');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return {
        status: 400,
        body: stripeError(
          'invalid_request_error',
          'This value must be between 1 and 100 (it currently is ' + String(limit) + ').',
          { code: 'parameter_invalid_integer', param: 'limit' },
        ),
      };
    const sorted = [...items].sort(
      (a, b) => (b.created ?? 0) - (a.created ?? 0) || order.get(b.id)! - order.get(a.id)!,
    );
    const after = req.query.get('starting_after');
    let start = 0;
    if (after) {
      const at = sorted.findIndex((x) => x.id === after);
      if (at < 0)
        return {
          status: 400,
          body: stripeError('invalid_request_error', `No such object: '${after}'`, {
            code: 'resource_missing',
            param: 'starting_after',
          }),
        };
      start = at + 1;
    }
    const data = sorted.slice(start, start + limit);
    return {
      status: 200,
      body: { object: 'list', data, has_more: start + limit < sorted.length, url: path },
    };
  }

  const missing = (kind: string, id: string) =>
    stripeError('invalid_request_error', `No such ${kind}: '${id}'`, {
      code: 'resource_missing',
      param: 'id',
    });

  function addEvent(type: string, object: { id: string; object: string }): StripeEvent {
    const event: StripeEvent = {
      id: nextId('evt'),
      object: 'event',
      type,
      created: nowS(),
      data: { object: structuredClone(object) as StripeEvent['data']['object'] },
    };
    events.push(event);
    return event;
  }

  function pay(invoiceId: string): StripeInvoicePayment {
    const inv = invoices.get(invoiceId)!;
    const p: StripeInvoicePayment = {
      id: nextId('inpay'),
      object: 'invoice_payment',
      invoice: inv.id,
      amount_paid: inv.amount_remaining,
      amount_requested: inv.amount_remaining,
      created: nowS(),
      currency: inv.currency,
      status: 'paid',
      payment: { type: 'payment_intent', payment_intent: nextId('pi') },
      status_transitions: { paid_at: nowS(), canceled_at: null },
    };
    invoicePayments.set(p.id, p);
    inv.amount_paid += inv.amount_remaining;
    inv.amount_remaining = 0;
    inv.status = 'paid';
    inv.status_transitions = { ...inv.status_transitions, paid_at: nowS() };
    addEvent('invoice.paid', inv);
    return p;
  }

  function searchCustomers(query: string): StripeCustomer[] | undefined {
    const m = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(query.trim());
    if (!m) return undefined;
    const value = m[2]!.replace(/\\(.)/g, '$1');
    return [...customers.values()].filter((c) => !c.deleted && c.metadata?.[m[1]!] === value);
  }

  type Answer = { status: number; body: unknown };

  function post(req: FakeRequest): Answer {
    const cus = /^\/v1\/customers\/([^/]+)$/.exec(req.path);
    if (cus) {
      const c = customers.get(cus[1]!);
      if (!c || c.deleted) return { status: 404, body: missing('customer', cus[1]!) };
      const metadata = { ...c.metadata };
      for (const [k, v] of Object.entries(req.form)) {
        const key = /^metadata\[(.*)\]$/.exec(k)?.[1];
        if (key === undefined) continue;
        if (key === '' || key.length > 40)
          return {
            status: 400,
            body: stripeError(
              'invalid_request_error',
              'Metadata keys must be 1 to 40 characters.',
              {
                code: 'parameter_invalid_string',
                param: k,
              },
            ),
          };
        if (v.length > 500)
          return {
            status: 400,
            body: stripeError(
              'invalid_request_error',
              'Metadata values can have up to 500 characters.',
              {
                code: 'parameter_invalid_string',
                param: k,
              },
            ),
          };
        if (v === '') delete metadata[key];
        else metadata[key] = v;
      }
      c.metadata = metadata;
      addEvent('customer.updated', c);
      return { status: 200, body: c };
    }
    const act = /^\/v1\/invoices\/([^/]+)\/(pay|send)$/.exec(req.path);
    if (act) {
      const inv = invoices.get(act[1]!);
      if (!inv) return { status: 404, body: missing('invoice', act[1]!) };
      if (inv.status !== 'open')
        return {
          status: 400,
          body: stripeError(
            'invalid_request_error',
            `Invoice is ${inv.status}; only an open invoice can be ${act[2] === 'pay' ? 'paid' : 'sent'}.`,
            {
              code: 'invoice_not_open',
            },
          ),
        };
      if (act[2] === 'send') {
        if (inv.collection_method !== 'send_invoice')
          return {
            status: 400,
            body: stripeError(
              'invalid_request_error',
              "You can only manually send an invoice if its collection method is 'send_invoice'.",
            ),
          };
        addEvent('invoice.sent', inv);
        return { status: 200, body: inv };
      }
      if (fake.declineNext) {
        fake.declineNext = false;
        addEvent('invoice.payment_failed', inv);
        return {
          status: 402,
          body: stripeError('card_error', 'Your card has insufficient funds.', {
            code: 'card_declined',
            decline_code: 'insufficient_funds',
          }),
        };
      }
      pay(inv.id);
      return { status: 200, body: inv };
    }
    return { status: 404, body: unrecognized(req) };
  }

  const unrecognized = (req: FakeRequest) =>
    stripeError('invalid_request_error', `Unrecognized request URL (${req.method}: ${req.path}).`);

  function get(req: FakeRequest): Answer {
    const q = req.query;
    if (req.path === '/v1/customers') {
      const email = q.get('email');
      return page(
        [...customers.values()].filter((c) => !c.deleted && (email === null || c.email === email)),
        req,
        req.path,
      );
    }
    if (req.path === '/v1/customers/search') {
      const query = q.get('query');
      if (!query)
        return {
          status: 400,
          body: stripeError('invalid_request_error', 'Missing required param: query.', {
            code: 'parameter_missing',
            param: 'query',
          }),
        };
      const found = searchCustomers(query);
      if (!found)
        return {
          status: 400,
          body: stripeError('invalid_request_error', `Invalid search query: ${query}`, {
            code: 'parameter_invalid_string',
            param: 'query',
          }),
        };
      return {
        status: 200,
        body: {
          object: 'search_result',
          data: found,
          has_more: false,
          next_page: null,
          url: req.path,
        },
      };
    }
    const cus = /^\/v1\/customers\/([^/]+)$/.exec(req.path);
    if (cus) {
      const c = customers.get(cus[1]!);
      if (!c) return { status: 404, body: missing('customer', cus[1]!) };
      return { status: 200, body: c.deleted ? { id: c.id, object: 'customer', deleted: true } : c };
    }
    if (req.path === '/v1/invoices') {
      const customer = q.get('customer');
      const status = q.get('status');
      return page(
        [...invoices.values()].filter(
          (i) =>
            (customer === null || i.customer === customer) &&
            (status === null || i.status === status),
        ),
        req,
        req.path,
      );
    }
    const inv = /^\/v1\/invoices\/([^/]+)$/.exec(req.path);
    if (inv) {
      const i = invoices.get(inv[1]!);
      return i ? { status: 200, body: i } : { status: 404, body: missing('invoice', inv[1]!) };
    }
    if (req.path === '/v1/invoice_payments') {
      const invoice = q.get('invoice');
      const status = q.get('status');
      return page(
        [...invoicePayments.values()].filter(
          (p) =>
            (invoice === null || p.invoice === invoice) && (status === null || p.status === status),
        ),
        req,
        req.path,
      );
    }
    if (req.path === '/v1/events') {
      const gt = q.get('created[gt]');
      const gte = q.get('created[gte]');
      const types = q.getAll('types[]');
      const type = q.get('type');
      return page(
        events.filter(
          (e) =>
            (gt === null || e.created > Number(gt)) &&
            (gte === null || e.created >= Number(gte)) &&
            (types.length === 0 || types.includes(e.type)) &&
            (type === null || e.type === type),
        ),
        req,
        req.path,
      );
    }
    return { status: 404, body: unrecognized(req) };
  }

  function authorised(req: FakeRequest, reply: FakeReply): boolean {
    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
    const basic = /^Basic (.+)$/.exec(auth)?.[1];
    const key =
      bearer ?? (basic ? Buffer.from(basic, 'base64').toString().split(':')[0] : undefined);
    if (key === o.apiKey) return true;
    reply.json(
      401,
      key
        ? stripeError(
            'invalid_request_error',
            `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
          )
        : stripeError(
            'invalid_request_error',
            'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.',
          ),
      { 'www-authenticate': 'Bearer realm="Stripe"' },
    );
    return false;
  }

  const server = await startFake((req, reply) => {
    const requestId = `req_${fake.requests.length}`;
    if (!authorised(req, reply)) return;
    if (req.method === 'GET') {
      const a = get(req);
      return reply.json(a.status, a.body, { 'request-id': requestId });
    }
    if (req.method !== 'POST') return reply.json(404, unrecognized(req));
    const key = req.headers['idempotency-key'];
    const fingerprint = `${req.path}?${req.raw.toString('utf8')}`;
    if (typeof key === 'string') {
      const seen = idempotency.get(key);
      if (seen && seen.fingerprint !== fingerprint)
        return reply.json(
          400,
          stripeError(
            'idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          ),
        );
      if (seen)
        return reply.json(seen.status, seen.body, {
          'idempotent-replayed': 'true',
          'request-id': requestId,
        });
    }
    const a = post(req);
    // Stripe saves a result once the endpoint began executing; a request refused on its
    // parameters saves nothing, so the key can be used again.
    if (typeof key === 'string' && a.status !== 400 && a.status !== 404)
      idempotency.set(key, { fingerprint, status: a.status, body: structuredClone(a.body) });
    reply.json(a.status, a.body, { 'request-id': requestId });
  });

  fake = Object.assign(server, {
    customers,
    invoices,
    invoicePayments,
    events,
    declineNext: false,
    addCustomer(over: Partial<StripeCustomer> = {}) {
      const c: StripeCustomer = {
        id: nextId('cus'),
        object: 'customer',
        name: null,
        email: null,
        phone: null,
        balance: 0,
        delinquent: false,
        metadata: {},
        created: nowS(),
        ...over,
      };
      customers.set(c.id, c);
      addEvent('customer.created', c);
      return c;
    },
    addInvoice(customer: string, over: Partial<StripeInvoice> = {}) {
      const amount = over.amount_due ?? 120_000;
      const status = over.status ?? 'open';
      const created = over.created ?? nowS();
      const id = nextId('in');
      const inv: StripeInvoice = {
        id,
        object: 'invoice',
        customer,
        number: `FAKE-${String(invoices.size + 1).padStart(4, '0')}`,
        status,
        amount_due: amount,
        amount_paid: status === 'paid' ? amount : 0,
        amount_remaining: status === 'paid' || status === 'void' ? 0 : amount,
        currency: 'usd',
        collection_method: 'send_invoice',
        due_date: created + 7 * 86_400,
        created,
        hosted_invoice_url: status === 'draft' ? null : `${server.url}/i/${id}`,
        status_transitions: { finalized_at: status === 'draft' ? null : created },
        metadata: {},
        ...over,
      };
      invoices.set(inv.id, inv);
      if (inv.status !== 'draft') addEvent('invoice.finalized', inv);
      return inv;
    },
    pay,
    deleteCustomer(id: string) {
      const c = customers.get(id);
      if (!c) return;
      c.deleted = true;
      addEvent('customer.deleted', c);
    },
    addEvent,
    signed(event: unknown, t = nowS(), secret = o.webhookSecret ?? '') {
      const raw = JSON.stringify(event);
      return {
        raw,
        headers: {
          'content-type': 'application/json',
          'stripe-signature': signStripe(secret, raw, t),
        },
      };
    },
    deliver(url: string, event: unknown) {
      const s = fake.signed(event);
      return postCallback(url, s.raw, s.headers);
    },
    rateLimitNext(times: number) {
      server.failNext(times, 429, {}, RATE_LIMITED);
    },
  });
  return fake;
}

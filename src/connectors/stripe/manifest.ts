import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'stripe',
  name: 'Stripe',
  roles: ['payments', 'accounting'],
  docs:
    'reference/connectors-systems.md §3 Stripe (docs.stripe.com api, idempotent requests, ' +
    'rate limits, webhook signatures; API version 2025-03-31.basil)',
  auth: {
    mode: 'bearer',
    description:
      'Authorization: Bearer <secret key sk_… or restricted key rk_…>, Stripe-Version pinned to 2025-03-31.basil',
  },
  baseUrl: 'https://api.stripe.com',
  settings: [
    {
      key: 'API_KEY',
      description:
        'the secret (sk_live_…/sk_test_…) or restricted (rk_…) key; a restricted key needs read on customers, invoices, invoice payments and events, write on customers and invoices',
      secret: true,
      required: true,
    },
    {
      key: 'WEBHOOK_SECRET',
      description:
        "the endpoint's signing secret (whsec_…) for /webhooks/stripe (unset: webhooks refused)",
      secret: true,
      required: false,
    },
    {
      key: 'PROPERTY_ID',
      description:
        "the Arrears property Stripe customers' leases belong to (a customer's metadata arrears_property_id overrides it); customers with neither are not synced",
      secret: false,
      required: false,
    },
  ],
  capabilities: {
    sends: ['writeback:stripe'],
    inbound: ['balances'],
    other: [
      'reads customers → tenants and one lease each, invoices → charges (due_date), invoice payments → payments; balances from the amounts remaining of open and uncollectible invoices',
      'incremental sync from the Events API (30 days kept; an older cursor starts a full pull)',
      'writes the case status and balance to the customer metadata (arrears_status, arrears_balance_cents, arrears_lease_id) on every case event',
      '`writeback:stripe` with fields.action retry_payment (POST /v1/invoices/{id}/pay) or resend_invoice (POST /v1/invoices/{id}/send) on the lease’s oldest open invoice',
      "finds the hosted invoice page of a lease's oldest open invoice, for a message's pay_link",
    ],
  },
  webhook: {
    signature:
      'Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256(whole whsec_… secret, "<t>." + raw body)> (any v1 may match; 5-minute tolerance); dedupe on the event id',
    secretSetting: 'WEBHOOK_SECRET',
  },
  rateLimit: {
    requests: 25,
    perSeconds: 1,
    note: 'sandbox 25 ops/s (live 100/s) and 25 req/s per endpoint; search 20 reads/s; 429 carries no Retry-After (exponential backoff)',
  },
  verify: {
    method: 'GET',
    path: '/v1/customers?limit=1',
    description: 'lists one customer with the API key',
  },
  idempotency: {
    supported: true,
    description:
      'every POST carries Idempotency-Key (the outbox key for write-back actions, the case event id for metadata); Stripe replays the first result for 24 h',
  },
};

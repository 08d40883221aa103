import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'xero',
  name: 'Xero',
  roles: ['accounting'],
  docs:
    'reference/connectors-systems.md §2 Xero (XeroAPI/Xero-OpenAPI xero_accounting.yaml and ' +
    'xero-webhooks.yaml; developer.xero.com/faq/limits)',
  auth: {
    mode: 'oauth2',
    description:
      'OAuth 2.0 refresh-token grant at the token URL (HTTP Basic client id:secret); Bearer access token (30 min) and xero-tenant-id on every call; the refresh token is single-use and rotates',
  },
  baseUrl: 'https://api.xero.com/api.xro/2.0',
  settings: [
    {
      key: 'CLIENT_ID',
      description: "the app's client id (developer.xero.com → My Apps)",
      secret: false,
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description: "the app's client secret",
      secret: true,
      required: true,
    },
    {
      key: 'REFRESH_TOKEN',
      description:
        'a refresh token from the code flow with offline_access and the accounting.contacts, accounting.invoices and accounting.payments scopes; Xero rotates it on every refresh',
      secret: true,
      required: true,
    },
    {
      key: 'TENANT_ID',
      description:
        "the organisation's tenantId (GET https://api.xero.com/connections), sent as xero-tenant-id",
      secret: false,
      required: true,
    },
    {
      key: 'WEBHOOK_KEY',
      description:
        'the webhook signing key (My Apps → Webhooks) for /webhooks/xero (unset: webhooks refused)',
      secret: true,
      required: false,
    },
    {
      key: 'PROPERTY_ID',
      description:
        'the Arrears property Xero contacts’ leases belong to; without it the contacts are not synced',
      secret: false,
      required: false,
    },
    {
      key: 'TOKEN_URL',
      description: 'the OAuth 2.0 token endpoint',
      secret: false,
      required: false,
      default: 'https://identity.xero.com/connect/token',
    },
  ],
  capabilities: {
    sends: [],
    inbound: ['balances'],
    other: [
      'reads customer contacts → tenants and one lease each, sales invoices (ACCREC) → charges with credits and voids, receivable payments → payments; balances from the contacts’ outstanding receivables',
      'incremental sync with If-Modified-Since (pages of 100)',
      'writes a history note on the tenant’s contact for every case event (PUT /Contacts/{id}/History, Idempotency-Key = the event id)',
    ],
  },
  webhook: {
    signature:
      'x-xero-signature: base64 HMAC-SHA256(webhook key, raw body); 200 with an empty body when it matches, 401 when not (intent-to-receive)',
    secretSetting: 'WEBHOOK_KEY',
  },
  rateLimit: {
    requests: 60,
    perSeconds: 60,
    note: 'per tenant 60/min, 5 concurrent, 5,000/day; per app 10,000/min; 429 with Retry-After and X-Rate-Limit-Problem',
  },
  verify: {
    method: 'GET',
    path: '/Contacts?page=1&pageSize=1',
    description: 'refreshes the access token, then reads one contact of the tenant',
  },
  idempotency: {
    supported: true,
    description:
      'history notes carry Idempotency-Key = the case event id (Xero keeps it for writes)',
  },
};

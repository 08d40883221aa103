import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'quickbooks',
  name: 'QuickBooks Online',
  roles: ['accounting'],
  docs:
    'reference/connectors-systems.md §1 QuickBooks Online Accounting API (query, CDC, webhooks, ' +
    'OAuth2 refresh-token rotation, Fault errors, limits) and §20',
  auth: {
    mode: 'oauth2',
    description:
      'Authorization: Bearer <access token>; the access token (1 h) comes from POST ' +
      'oauth.platform.intuit.com/oauth2/v1/tokens/bearer with HTTP Basic client_id:client_secret ' +
      'and grant_type=refresh_token; the refresh token rotates and the newest is kept',
  },
  baseUrl: 'https://quickbooks.api.intuit.com',
  settings: [
    {
      key: 'CLIENT_ID',
      description: "the app's OAuth 2.0 client id (developer portal → Keys & credentials)",
      secret: false,
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description: "the app's OAuth 2.0 client secret",
      secret: true,
      required: true,
    },
    {
      key: 'REFRESH_TOKEN',
      description:
        'the refresh token from connecting the company (authorization_code grant); QuickBooks may rotate it on every refresh: the newest is kept for the process and a warning asks to store it',
      secret: true,
      required: true,
    },
    {
      key: 'REALM_ID',
      description: 'the company id (`realmId`) returned on the OAuth redirect',
      secret: false,
      required: true,
    },
    {
      key: 'PROPERTY_ID',
      description:
        'the Arrears property every QuickBooks customer lease belongs to (QuickBooks knows no properties); import the property first',
      secret: false,
      required: true,
    },
    {
      key: 'WEBHOOK_VERIFIER_TOKEN',
      description:
        "the app's webhook verifier token: checks intuit-signature on /webhooks/quickbooks (unset: webhooks refused)",
      secret: true,
      required: false,
    },
    {
      key: 'TOKEN_URL',
      description: 'the OAuth 2.0 token endpoint',
      secret: false,
      required: false,
      default: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    },
    {
      key: 'MINOR_VERSION',
      description: 'the `minorversion` query parameter (75 is the floor since Aug 2025)',
      secret: false,
      required: false,
      default: '75',
    },
    {
      key: 'MAX_RESULTS',
      description: 'rows per query page (`MAXRESULTS`, at most 1000)',
      secret: false,
      required: false,
      default: '1000',
    },
    {
      key: 'FEE_ITEMS',
      description:
        'comma-separated product/service names or ids (ItemRef) whose invoices are fees, not rent',
      secret: false,
      required: false,
      default: 'Late Fee',
    },
    {
      key: 'FEE_ITEM_ID',
      description: 'the product/service (ItemRef value) fee invoices written back are booked to',
      secret: false,
      required: false,
      default: '1',
    },
  ],
  capabilities: {
    sends: ['writeback:quickbooks'],
    inbound: ['balances'],
    other: [
      'reads customers (tenants, one lease each), invoices (rent and fee charges) and payments: a full pull by query pages, then changes by CDC',
      'reports Customer.Balance per lease for reconciliation',
      'writes the case status into the customer notes (a line `Arrears: <status> <balance> <stage>`)',
      'a `writeback` action with `target: quickbooks` and `fields: {type: fee}` creates a fee invoice',
    ],
  },
  webhook: {
    signature:
      'intuit-signature: base64 HMAC-SHA256(verifier token, raw body); no timestamp, dedupe on the CloudEvents ids or a hash of the notification',
    secretSetting: 'WEBHOOK_VERIFIER_TOKEN',
  },
  rateLimit: {
    requests: 500,
    perSeconds: 60,
    note: 'per realm; 10 req/s per realm and app; 429 → wait 60 s',
  },
  verify: {
    method: 'GET',
    path: '/v3/company/{realmId}/query?query=select count(*) from Customer',
    description: 'refreshes the access token and counts the customers',
  },
  idempotency: {
    supported: true,
    description:
      'writes carry `requestid` (the outbox key); a fee invoice also carries a DocNumber derived from the key and is looked up before it is created',
  },
};

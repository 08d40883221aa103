import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'buildium',
  name: 'Buildium',
  roles: ['property_system'],
  docs: 'reference/connectors-systems.md section 16 "Buildium Open API (PMS source)" (fakes: section 20)',
  auth: {
    mode: 'api_key',
    description:
      'x-buildium-client-id and x-buildium-client-secret headers on every request (no OAuth); the account needs the Premium plan with the Open API enabled (Settings → Application settings → Api settings) and a key from Settings → Developer Tools',
  },
  // Sandbox: https://apisandbox.buildium.com/v1 via ARREARS_BUILDIUM_BASE_URL.
  baseUrl: 'https://api.buildium.com/v1',
  settings: [
    {
      key: 'CLIENT_ID',
      description: 'the API key’s client id (x-buildium-client-id)',
      secret: false,
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description: 'the API key’s secret (x-buildium-client-secret)',
      secret: true,
      required: true,
    },
    {
      key: 'STATE',
      description:
        'the US state of every property (CA or US-CA); unset: each rental’s address state (its jurisdiction US-XX)',
      secret: false,
      required: false,
    },
    {
      key: 'TIMEZONE',
      description:
        'the IANA time zone of every property; unset: the zone most of the property’s state keeps (America/Los_Angeles for CA …)',
      secret: false,
      required: false,
    },
    {
      key: 'LEASE_STATUSES',
      description:
        'leasestatuses read, comma-separated (Active, Past, Future): Past keeps balances owed after move-out',
      secret: false,
      required: false,
      default: 'Active,Past',
    },
    {
      key: 'PAGE_SIZE',
      description: 'the `limit` of every list call (1–1000; Buildium’s default is 50)',
      secret: false,
      required: false,
      default: '200',
    },
  ],
  capabilities: {
    sends: [],
    inbound: [],
    other: [
      'data source: rental properties (kind residential / commercial), leases with their current tenants, lease transactions (charges, payments, credits; payment reversals and refunds as charges) and outstanding balances for reconciliation; ids bld-prop-, bld-lease-, bld-tenant-, bld-txn-',
      'incremental sweeps with lastupdatedfrom (rentals, leases), offset / limit paging with X-Total-Count; leases that owed last time and owe nothing now have their transactions re-read',
    ],
  },
  webhook: null,
  rateLimit: {
    requests: 10,
    perSeconds: 1,
    note: 'about 10 requests per second per key (unverified ~); 429 is retried after Retry-After',
  },
  verify: {
    method: 'GET',
    path: '/rentals?limit=1',
    description: 'reads one rental property with the key headers',
  },
  idempotency: {
    supported: false,
    description: 'read-only: Arrears never writes to Buildium; a re-pull upserts on namespaced ids',
  },
};

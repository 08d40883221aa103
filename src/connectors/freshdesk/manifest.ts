import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'freshdesk',
  name: 'Freshdesk',
  roles: ['helpdesk'],
  docs: 'reference/connectors-systems.md §14 Freshdesk API v2 (tickets, notes, search, errors, limits), §20',
  auth: {
    mode: 'basic',
    description: 'HTTP Basic with the API key as user name and `X` as password',
  },
  // Every account has its own subdomain: DOMAIN (or ARREARS_FRESHDESK_BASE_URL) replaces it.
  baseUrl: 'https://your-domain.freshdesk.com',
  settings: [
    {
      key: 'DOMAIN',
      description:
        'the helpdesk subdomain (`oakcourt` for oakcourt.freshdesk.com); the API is under /api/v2',
      secret: false,
      required: true,
    },
    {
      key: 'API_KEY',
      description: "an agent's API key (Profile settings → View API key)",
      secret: true,
      required: true,
    },
    {
      key: 'WEBHOOK_SECRET',
      description:
        'a shared secret the automation rule sends in the X-Arrears-Secret header of its "Trigger webhook" action (Freshdesk signs nothing); unset: /webhooks/freshdesk refused',
      secret: true,
      required: false,
    },
    {
      key: 'REQUESTER_EMAIL',
      description:
        'the requester of tickets about a tenant with neither e-mail nor phone (e.g. the office inbox)',
      secret: false,
      required: false,
    },
    {
      key: 'GROUP_ID',
      description: 'the Freshdesk group (numeric id) new tickets are assigned to',
      secret: false,
      required: false,
    },
    {
      key: 'DISPUTE_DUE_DAYS',
      description: 'business days (Mon–Fri) until a dispute ticket is due (`due_by`)',
      secret: false,
      required: false,
      default: '5',
    },
    {
      key: 'AT_RISK_DUE_DAYS',
      description: 'business days until an at-risk ticket is due (`due_by`)',
      secret: false,
      required: false,
      default: '2',
    },
  ],
  capabilities: {
    sends: [],
    inbound: ['actions'],
    other: [
      'a ticket per dispute (reply.received with intent dispute) with due_by / fr_due_by in business days, tagged `arrears` and carrying the lease in the custom field cf_arrears_lease_id (create a single-line text ticket field `arrears_lease_id` first)',
      'a private note per later case event of that lease while its ticket is open; case.closed resolves the ticket (status 4)',
      "finds a lease's open ticket by the requester's tickets (GET /tickets?email=…) or search (cf_arrears_lease_id), never creating a second one",
      'staff private notes sent back by an automation webhook are logged against the lease (and audited as `helpdesk.note`, without the text, once the context offers an audit port)',
      'an at-risk flag (a `flag` event or the tenant status `at_risk`, published as `case.flagged`) opens a ticket too, due in AT_RISK_DUE_DAYS business days',
    ],
  },
  webhook: {
    signature:
      'Freshdesk automation webhooks carry no signature: the rule sends the static header X-Arrears-Secret: <WEBHOOK_SECRET>, compared in constant time; event id = ticket id + sha256 of the body',
    secretSetting: 'WEBHOOK_SECRET',
  },
  rateLimit: {
    requests: 200,
    perSeconds: 60,
    note: 'per account per minute on Growth (create 80, update 80, list 20); Pro 400, Enterprise 700; 429 with Retry-After',
  },
  verify: {
    method: 'GET',
    path: '/api/v2/agents/me',
    description: 'reads the agent the API key belongs to',
  },
  idempotency: {
    supported: false,
    description:
      'no idempotency key: the lease’s open ticket is looked up before creating, and a note is added only when no conversation of the ticket names the event id yet',
  },
};

import type { ConnectorManifest } from '../contract.js';

const column = (key: string, what: string) => ({
  key,
  description: `the id of the board column for ${what} (unset: not written)`,
  secret: false,
  required: false,
});

export const manifest: ConnectorManifest = {
  id: 'monday',
  name: 'monday.com',
  roles: ['work_tracker'],
  docs: 'reference/connectors-systems.md §12 monday.com API (GraphQL), §20',
  auth: {
    mode: 'api_key',
    description:
      'Authorization: <API token> (personal or app token, no "Bearer") and API-Version on every POST /v2',
  },
  baseUrl: 'https://api.monday.com',
  settings: [
    {
      key: 'API_TOKEN',
      description: 'a personal (or app) API token of a user who can edit the board',
      secret: true,
      required: true,
    },
    {
      key: 'BOARD_ID',
      description: 'the board holding one item per case',
      secret: false,
      required: true,
    },
    {
      key: 'LEASE_COLUMN_ID',
      description:
        'the id of a text column holding the Arrears lease id: items are found by it before one is created',
      secret: false,
      required: true,
    },
    {
      key: 'STATUS_COLUMN_ID',
      description: 'the id of the status column (labels Open / Closed are created if missing)',
      secret: false,
      required: false,
      default: 'status',
    },
    column('CASE_COLUMN_ID', 'the case number (set it to keep one item per case, not per lease)'),
    column('TENANT_COLUMN_ID', 'the tenant name (text)'),
    column('PROPERTY_COLUMN_ID', 'the property name (text)'),
    column('UNIT_COLUMN_ID', 'the unit (text)'),
    column('BALANCE_COLUMN_ID', 'the balance (numbers)'),
    column('STAGE_COLUMN_ID', 'the current stage (text)'),
    column('LAST_ACTION_COLUMN_ID', 'the last action (text)'),
    {
      key: 'GROUP_ID',
      description: 'the group new items are created in (unset: the board’s top group)',
      secret: false,
      required: false,
    },
    {
      key: 'API_VERSION',
      description: 'the API-Version header (monday versions the API quarterly)',
      secret: false,
      required: false,
      default: '2026-01',
    },
    {
      key: 'SIGNING_SECRET',
      description:
        'the app’s Signing Secret: webhooks created by an app carry an Authorization JWT (HS256) signed with it',
      secret: true,
      required: false,
    },
    {
      key: 'WEBHOOK_TOKEN',
      description:
        'for unsigned board-integration webhooks: an unguessable token the webhook URL carries as ?token=…',
      secret: true,
      required: false,
    },
  ],
  capabilities: {
    sends: [],
    inbound: ['actions'],
    other: [
      'keeps one item per case on the board (found by the lease-id column before create_item), status Open / Closed',
      'for storage properties, posts each lien step as an update (☑ / ☐) on the case item, once per event',
      'staff setting a case item to Dispute, On hold or Flagged records a dispute, a manual hold or a flag',
    ],
  },
  webhook: {
    signature:
      'app webhooks: Authorization: <JWT HS256 signed with the app Signing Secret> (exp, aud = our webhook URL); board-integration webhooks are unsigned and carry ?token=<WEBHOOK_TOKEN> in the URL; the {"challenge"} handshake is echoed',
    secretSetting: 'SIGNING_SECRET',
  },
  rateLimit: {
    requests: 500,
    perSeconds: 60,
    note: 'by plan (Pro ≈500/min) plus complexity budgets (create_item ≈10k points) and daily call caps; mutations are serialised per board',
  },
  verify: {
    method: 'POST',
    path: '/v2',
    description:
      'queries the board and its columns and checks that the configured column ids exist',
  },
  idempotency: {
    supported: false,
    description:
      'no idempotency key: the item is looked up by the lease-id column (items_page_by_column_values) before create_item, and a lien-step update carries the event id and is skipped when the item already has it',
  },
};

import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'intercom',
  name: 'Intercom',
  roles: ['chat', 'helpdesk'],
  docs:
    'reference/connectors-messaging.md §7 Intercom (contacts and conversation search as in ' +
    'Intercom-OpenAPI descriptions/2.14)',
  auth: {
    mode: 'bearer',
    description:
      'Authorization: Bearer <access token> (workspace or OAuth token) and Intercom-Version on every request',
  },
  baseUrl: 'https://api.intercom.io',
  settings: [
    {
      key: 'ACCESS_TOKEN',
      description: "the workspace's access token (Developer Hub → your app → Authentication)",
      secret: true,
      required: true,
    },
    {
      key: 'ADMIN_ID',
      description:
        'the id of the Intercom admin (teammate) replies and messages are sent as (`admin_id`, `from`)',
      secret: false,
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description:
        "the app's client_secret: verifies X-Hub-Signature on /webhooks/intercom (unset: webhooks refused)",
      secret: true,
      required: false,
    },
    {
      key: 'API_VERSION',
      description: 'the Intercom-Version header',
      secret: false,
      required: false,
      default: '2.14',
    },
  ],
  capabilities: {
    sends: ['message:chat', 'writeback:intercom'],
    inbound: ['replies'],
    other: [
      "finds or creates the tenant as an Intercom user (external_id = the tenant's id)",
      "replies in the tenant's latest open conversation, else sends an in-app message",
      'writes the past-due balance and case status to the contact custom attributes arrears_balance_cents (integer) and arrears_status (text); create both as contact data attributes in Intercom first',
    ],
  },
  webhook: {
    signature:
      'X-Hub-Signature: sha1=<hex HMAC-SHA1(app client_secret, raw body)>; no timestamp, dedupe on the notification id',
    secretSetting: 'CLIENT_SECRET',
  },
  rateLimit: {
    requests: 10_000,
    perSeconds: 60,
    note: 'per app; 25,000/min per workspace, enforced in 10 s slices [T]; 429 until X-RateLimit-Reset',
  },
  verify: {
    method: 'GET',
    path: '/me',
    description: 'identifies the admin the access token belongs to',
  },
  idempotency: {
    supported: false,
    description:
      'none documented: a chat message whose answer was lost is unknown, never re-sent blindly; the contact write-back (PUT) is safe to repeat',
  },
};

import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'mailgun',
  name: 'Mailgun',
  roles: ['email'],
  docs: 'reference/connectors-messaging.md section 3 (Mailgun - Messages API, webhooks, Routes)',
  auth: { mode: 'basic', description: 'HTTP Basic, user `api`, password the API key' },
  // EU accounts: ARREARS_MAILGUN_BASE_URL=https://api.eu.mailgun.net
  baseUrl: 'https://api.mailgun.net',
  settings: [
    {
      key: 'API_KEY',
      description:
        'a Mailgun API key (a Domain Sending Key can send, but `connectors test` needs an account key)',
      secret: true,
      required: true,
    },
    {
      key: 'DOMAIN',
      description: 'the sending domain, e.g. `mg.oakcourt.example`',
      secret: false,
      required: true,
    },
    {
      key: 'FROM',
      description: 'the From of every message, e.g. `Oak Court <office@mg.oakcourt.example>`',
      secret: false,
      required: true,
    },
    {
      key: 'WEBHOOK_SIGNING_KEY',
      description: 'the HTTP webhook signing key: verifies webhooks and Routes forwarded to us',
      secret: true,
      required: false,
    },
  ],
  capabilities: {
    sends: ['message:email'],
    inbound: ['replies', 'delivery_status', 'opt_out'],
    other: [
      'List-Unsubscribe one-click headers when an unsubscribe URL is configured',
      'replies through a Route `forward("https://…/webhooks/mailgun")`',
    ],
  },
  webhook: {
    signature:
      'no header: the payload carries timestamp, token and signature = hex HMAC-SHA256(WEBHOOK_SIGNING_KEY, timestamp + token); timestamps more than 15 min away refused; the token is the event id (a reused token is a replay). JSON posts are webhooks, form posts are Routes',
    secretSetting: 'WEBHOOK_SIGNING_KEY',
  },
  rateLimit: {
    requests: 100,
    perSeconds: 1,
    note: 'sending limits are per plan and not documented; 429 is honoured. The webhooks API allows 300/min',
  },
  verify: {
    method: 'GET',
    path: '/v3/domains/{DOMAIN}',
    description: 'reads the sending domain and its state; sends nothing',
  },
  idempotency: {
    supported: false,
    description:
      'no idempotency key documented: a lost answer is `unknown`; v:arrears_key (the outbox key) comes back in every event as user-variables',
  },
};

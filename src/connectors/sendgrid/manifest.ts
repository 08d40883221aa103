import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'sendgrid',
  name: 'SendGrid',
  roles: ['email'],
  docs: 'reference/connectors-messaging.md section 2 (SendGrid - v3 Mail Send, Event Webhook, Inbound Parse)',
  auth: { mode: 'bearer', description: 'Authorization: Bearer <API key>' },
  baseUrl: 'https://api.sendgrid.com',
  settings: [
    {
      key: 'API_KEY',
      description: 'an API key with the Mail Send permission',
      secret: true,
      required: true,
    },
    {
      key: 'FROM',
      description:
        'the From of every message, e.g. `Oak Court <office@oakcourt.example>`, a verified Sender Identity',
      secret: false,
      required: true,
    },
    {
      key: 'WEBHOOK_PUBLIC_KEY',
      description:
        'the Signed Event Webhook verification key (`public_key`): base64 DER SubjectPublicKeyInfo or PEM',
      secret: false,
      required: false,
    },
    {
      key: 'INBOUND_PARSE_TOKEN',
      description:
        'a random token of your choosing; set the Inbound Parse URL to `…/webhooks/sendgrid?parse_token=<token>` (SendGrid documents no Parse signature)',
      secret: true,
      required: false,
    },
  ],
  capabilities: {
    sends: ['message:email'],
    inbound: ['replies', 'delivery_status', 'opt_out'],
    other: [
      'List-Unsubscribe one-click headers when an unsubscribe URL is configured',
      'Inbound Parse replies (multipart, not "send raw")',
    ],
  },
  webhook: {
    signature:
      'Event Webhook: X-Twilio-Email-Event-Webhook-Signature = base64 DER ECDSA (P-256, SHA-256) over X-Twilio-Email-Event-Webhook-Timestamp + raw body, verified with WEBHOOK_PUBLIC_KEY; timestamps older than 25 h refused. Inbound Parse: posts carrying ?parse_token=INBOUND_PARSE_TOKEN (constant-time compare)',
    secretSetting: 'WEBHOOK_PUBLIC_KEY',
  },
  rateLimit: {
    requests: 10_000,
    perSeconds: 1,
    note: 'mail send ~10,000 req/s (third-party figure); 429 carries X-RateLimit-Reset',
  },
  verify: {
    method: 'GET',
    path: '/v3/scopes',
    description: 'lists the API key’s permissions and checks it holds mail.send; sends nothing',
  },
  idempotency: {
    supported: false,
    description:
      'mail send has no idempotency key: a lost answer is `unknown`; custom_args.arrears_key (the outbox key) comes back on every event',
  },
};

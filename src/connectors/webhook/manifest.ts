import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'webhook',
  name: 'Signed webhooks',
  roles: ['automation'],
  docs: 'SPEC 3.4 `webhook` action; signature as docs/connectors.md "Signed webhooks"',
  auth: {
    mode: 'hmac',
    description:
      'Each POST carries X-Arrears-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>',
  },
  // A `webhook` action names its own absolute URL; the base URL is only the `connectors test` target.
  baseUrl: 'https://hooks.example.invalid',
  settings: [
    {
      key: 'SECRET',
      description: 'the HMAC-SHA256 key receivers verify X-Arrears-Signature with',
      secret: true,
      required: true,
    },
  ],
  capabilities: {
    sends: ['webhook'],
    inbound: [],
    other: ['posts the `webhook` actions of a policy to their URL, signed and idempotent'],
  },
  webhook: null,
  rateLimit: { requests: 30, perSeconds: 1, note: 'Zapier catch hooks throttle near 30/s' },
  verify: {
    method: 'POST',
    path: '/',
    description: 'posts a signed `ping` event to ARREARS_WEBHOOK_BASE_URL',
  },
  idempotency: {
    supported: true,
    description:
      'every delivery carries Idempotency-Key and X-Arrears-Delivery (the outbox key); a receiver dedupes on it',
  },
};

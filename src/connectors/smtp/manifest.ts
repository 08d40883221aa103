import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'smtp',
  name: 'SMTP (any mail server)',
  roles: ['email'],
  docs: 'RFC 5321 SMTP, RFC 8058 one-click unsubscribe',
  auth: {
    mode: 'smtp',
    description:
      'user and password in the URL (smtp://user:pass@host:587, STARTTLS when offered; smtps:// for TLS)',
  },
  // SMTP has no HTTP base; the URL setting carries host and port.
  baseUrl: 'https://smtp.invalid',
  settings: [
    {
      key: 'URL',
      description:
        'smtp://user:pass@host:port (STARTTLS when offered), smtps://… (TLS), or smtp://host:port?tls=off for a local relay',
      secret: true,
      required: true,
    },
    {
      key: 'FROM',
      description: 'the From header, e.g. `Oak Court <office@oakcourt.example>`',
      secret: false,
      required: true,
    },
  ],
  capabilities: {
    sends: ['message:email'],
    inbound: [],
    other: [
      'List-Unsubscribe one-click headers when ARREARS_UNSUBSCRIBE_SECRET and ARREARS_PUBLIC_URL are set',
    ],
  },
  webhook: null,
  rateLimit: { requests: 10, perSeconds: 1, note: 'depends on the server; connections are pooled' },
  verify: {
    method: 'SMTP',
    path: 'EHLO',
    description: 'connects, greets and authenticates, sends nothing',
  },
  idempotency: {
    supported: false,
    description:
      'SMTP has no idempotency key: a send whose answer was lost after DATA is `unknown` for a person; the Message-ID derives from the outbox key',
  },
};

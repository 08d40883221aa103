import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'twilio',
  name: 'Twilio',
  roles: ['sms', 'voice'],
  docs: 'reference/connectors-messaging.md section 1 "Twilio" (opt-out facts: section 9)',
  auth: {
    mode: 'basic',
    description: 'HTTP Basic with the Account SID as user and the Auth Token as password',
  },
  baseUrl: 'https://api.twilio.com',
  settings: [
    {
      key: 'ACCOUNT_SID',
      description: 'the Account SID (AC…), the Basic-auth user and part of every API path',
      secret: false,
      required: true,
    },
    {
      key: 'AUTH_TOKEN',
      description:
        'the Auth Token: the Basic-auth password and the key Twilio signs its webhooks with',
      secret: true,
      required: true,
    },
    {
      key: 'FROM',
      description:
        'the Twilio number (E.164) notice calls come from, and SMS too unless MESSAGING_SERVICE_SID is set',
      secret: false,
      required: false,
    },
    {
      key: 'MESSAGING_SERVICE_SID',
      description:
        'a Messaging Service (MG…) that picks the sending number for SMS; SMS needs it or FROM',
      secret: false,
      required: false,
    },
  ],
  capabilities: {
    sends: ['message:sms', 'message:voice'],
    inbound: ['replies', 'delivery_status', 'opt_out'],
    other: [
      'notice calls read the notice aloud in the tenant’s language and connect to the office on key 1',
    ],
  },
  webhook: {
    signature:
      'X-Twilio-Signature: base64 HMAC-SHA1(Auth Token, the public URL called (with query) + every POST param sorted by name as name+value); JSON bodies: the URL is signed and its bodySHA256 query param is the hex SHA-256 of the raw body',
    secretSetting: 'AUTH_TOKEN',
  },
  rateLimit: {
    requests: 1,
    perSeconds: 1,
    note: 'calls go out at 1/s per account by default and excess queues at Twilio; too many concurrent API requests answer 429 (20429), never processed',
  },
  verify: {
    method: 'GET',
    path: '/2010-04-01/Accounts/{AccountSid}.json',
    description: 'fetches the account resource with the configured credentials',
  },
  idempotency: {
    supported: false,
    description:
      'no idempotency key on create: the message / call SID is kept, and only 429, 5xx (documented as not processed) and unsent requests are retried',
  },
};

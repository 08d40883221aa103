import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'postal',
  name: 'Lob print and mail',
  roles: ['postal'],
  docs: 'reference/connectors-messaging.md section 4 "Postal letters - Lob" and the cheat sheet row for Lob',
  auth: {
    mode: 'basic',
    description: 'HTTP Basic: the Lob API key (test_… or live_…) as the user name, empty password',
  },
  baseUrl: 'https://api.lob.com',
  settings: [
    {
      key: 'API_KEY',
      description:
        'Lob secret API key; a test_ key renders letters without printing or mailing them',
      secret: true,
      required: true,
    },
    {
      key: 'WEBHOOK_SECRET',
      description:
        'the secret of the Lob webhook subscription; verifies Lob-Signature (tracking events are refused without it)',
      secret: true,
      required: false,
    },
    {
      key: 'COLOR',
      description: '`true` to print notices in colour (Lob `color`); black and white by default',
      secret: false,
      required: false,
      default: 'false',
    },
    {
      key: 'ADDRESS_PLACEMENT',
      description:
        'Lob `address_placement`: `insert_blank_page` (default) adds an address page so the notice is never covered; `top_first_page` prints the address over the top of its first page',
      secret: false,
      required: false,
      default: 'insert_blank_page',
    },
    {
      key: 'LOB_VERSION',
      description:
        'pins the API version with the `Lob-Version` header (account default when unset)',
      secret: false,
      required: false,
    },
  ],
  capabilities: {
    sends: [
      'document:first_class',
      'document:certified_mail',
      'document:certified_mail_e_return_receipt',
    ],
    inbound: ['mail_tracking'],
    other: [
      'mails the rendered PDF notice of the document sender as a Lob letter (usps_first_class, operational use)',
      'certified mail with Lob `extra_service` certified / certified_return_receipt; the tracking number is the certified-mail number',
      'refuses first class with a certificate of mailing: Lob offers no certificate of mailing',
    ],
  },
  webhook: {
    signature:
      'Lob-Signature: hex HMAC-SHA256(webhook secret, Lob-Signature-Timestamp + "." + raw body); timestamp in seconds or milliseconds, within 5 minutes',
    secretSetting: 'WEBHOOK_SECRET',
  },
  rateLimit: {
    requests: 150,
    perSeconds: 5,
    note: 'per API key per endpoint; a 429 asks to wait 5 s',
  },
  verify: {
    method: 'GET',
    path: '/v1/letters?limit=1',
    description: 'lists at most one letter: proves the API key without mailing anything',
  },
  idempotency: {
    supported: true,
    description:
      'Idempotency-Key = the outbox key: a repeat within 24 h returns the letter already created, never a second one',
  },
};

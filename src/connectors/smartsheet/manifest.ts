import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'smartsheet',
  name: 'Smartsheet',
  roles: ['work_tracker'],
  docs: 'reference/connectors-systems.md §13 Smartsheet API 2.0, §20',
  auth: {
    mode: 'bearer',
    description: 'Authorization: Bearer <API access token> (generated in Smartsheet, or OAuth)',
  },
  baseUrl: 'https://api.smartsheet.com/2.0',
  settings: [
    {
      key: 'ACCESS_TOKEN',
      description: 'an API access token of a user who can edit the sheet',
      secret: true,
      required: true,
    },
    {
      key: 'SHEET_ID',
      description:
        'the sheet holding one row per case; columns are found by title: Lease and Status (required), Case, Tenant, Property, Unit, Balance, Stage, Last action, Updated',
      secret: false,
      required: true,
    },
    {
      key: 'WEBHOOK_SHARED_SECRET',
      description:
        'the `sharedSecret` of the sheet’s webhook: callbacks carry Smartsheet-Hmac-SHA256 computed with it',
      secret: true,
      required: false,
    },
  ],
  capabilities: {
    sends: [],
    inbound: ['actions'],
    other: [
      'keeps one row per case on the sheet (found by the Lease and Case columns before a row is added)',
      'for storage properties, keeps a checklist of lien steps as child rows under the case row',
      'staff setting a case row’s Status to Dispute, On hold or Flagged records a dispute, a manual hold or a flag',
      'subscribes the sheet’s webhook and answers its verification challenge (`arrears connectors subscribe smartsheet`)',
    ],
  },
  webhook: {
    signature:
      'Smartsheet-Hmac-SHA256 = HMAC-SHA256(key = the webhook sharedSecret, message = raw body), hex (base64 accepted too); the Smartsheet-Hook-Challenge verification is echoed in Smartsheet-Hook-Response',
    secretSetting: 'WEBHOOK_SHARED_SECRET',
  },
  rateLimit: {
    requests: 300,
    perSeconds: 60,
    note: 'per token; heavy operations count ×10; 429 with errorCode 4003',
  },
  verify: {
    method: 'GET',
    path: '/sheets/{SHEET_ID}?pageSize=1',
    description: 'reads the sheet and checks that its Lease and Status columns exist',
  },
  idempotency: {
    supported: false,
    description:
      'no idempotency key: the case row is found by Lease (and Case) before a row is added, and a lien step by its title under the case row',
  },
};

import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'hubspot',
  name: 'HubSpot CRM',
  roles: ['crm'],
  docs: 'reference/connectors-systems.md §5 HubSpot CRM, §20 fakes',
  auth: {
    mode: 'bearer',
    description:
      'Authorization: Bearer <private-app / service-key token>, or an OAuth access token renewed ' +
      'at POST /oauth/v1/token (grant_type=refresh_token) when CLIENT_ID, CLIENT_SECRET and ' +
      'REFRESH_TOKEN are set',
  },
  baseUrl: 'https://api.hubapi.com',
  settings: [
    {
      key: 'ACCESS_TOKEN',
      description:
        'the private-app (pat-…) or service-key token; with OAuth, the current access token (renewed on expiry)',
      secret: true,
      required: true,
    },
    {
      key: 'CLIENT_ID',
      description: "the OAuth app's client id (only to renew an OAuth access token)",
      secret: false,
      required: false,
    },
    {
      key: 'CLIENT_SECRET',
      description:
        "the app's client secret: verifies X-HubSpot-Signature-v3 on /webhooks/hubspot (unset: webhooks refused) and renews OAuth tokens",
      secret: true,
      required: false,
    },
    {
      key: 'REFRESH_TOKEN',
      description: 'the OAuth refresh token (only with CLIENT_ID and CLIENT_SECRET)',
      secret: true,
      required: false,
    },
    {
      key: 'API_VERSION',
      description:
        'object API path version: `v3` (/crm/v3/objects, retired Sept 2027) or a date version such as `2026-03` (/crm/objects/2026-03)',
      secret: false,
      required: false,
      default: 'v3',
    },
    {
      key: 'PIPELINE',
      description: 'the deal pipeline arrears cases are kept in',
      secret: false,
      required: false,
      default: 'default',
    },
    {
      key: 'DEALSTAGE_OPEN',
      description: 'the deal stage of an open case',
      secret: false,
      required: false,
      default: 'appointmentscheduled',
    },
    {
      key: 'DEALSTAGE_PAID',
      description: 'the deal stage of a case closed as paid',
      secret: false,
      required: false,
      default: 'closedwon',
    },
    {
      key: 'DEALSTAGE_CLOSED',
      description: 'the deal stage of a case closed any other way (written off, moved out …)',
      secret: false,
      required: false,
      default: 'closedlost',
    },
  ],
  capabilities: {
    sends: [],
    inbound: [],
    other: [
      'keeps one deal per lease, batch-upserted by the unique deal property arrears_lease_id, with arrears_status (open / closed), arrears_episode, arrears_stage, arrears_last_action, arrears_outcome, arrears_last_event_id and amount = the balance; create these deal properties first (arrears_lease_id with unique values)',
      'upserts the tenant as a contact by e-mail and associates it with the deal when a case opens',
      'adds a note per action sent and reply received, and a task per failed action, on the deal and contact',
    ],
  },
  webhook: {
    signature:
      'X-HubSpot-Signature-v3: base64 HMAC-SHA256(client secret, method + URI + raw body + X-HubSpot-Request-Timestamp); refused when the timestamp is more than 5 minutes old',
    secretSetting: 'CLIENT_SECRET',
  },
  rateLimit: {
    requests: 100,
    perSeconds: 10,
    note: 'private apps on Free/Starter (190/10 s on Professional and Enterprise); 429 with X-HubSpot-RateLimit-* headers',
  },
  verify: {
    method: 'GET',
    path: '/crm/v3/properties/deals/arrears_lease_id',
    description: 'reads the unique deal property arrears_lease_id (proves the token and the setup)',
  },
  idempotency: {
    supported: false,
    description:
      'no idempotency header; deals and contacts are batch-upserted by a unique property, and each event id is kept on the deal (arrears_last_event_id) so a replay writes nothing twice',
  },
};

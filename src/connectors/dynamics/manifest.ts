import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'dynamics',
  name: 'Microsoft Dynamics 365 / Dataverse',
  roles: ['crm'],
  docs: 'reference/connectors-systems.md section 6 "Microsoft Dynamics 365 / Dataverse Web API" (fakes: section 20)',
  auth: {
    mode: 'oauth2',
    description:
      'Entra ID client credentials: POST TOKEN_URL (default https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token) form grant_type=client_credentials, client_id, client_secret, scope={ORG_URL}/.default; the Bearer token is cached until shortly before it expires and requested again once when the Web API answers 401. The app needs an Application User with a security role in the environment.',
  },
  // The Web API base is {ORG_URL}/api/data/v9.2 unless ARREARS_DYNAMICS_BASE_URL says otherwise.
  baseUrl: 'https://org.crm.dynamics.com/api/data/v9.2',
  settings: [
    {
      key: 'TENANT_ID',
      description: 'the Entra ID (Azure AD) tenant id (directory id) the app registration lives in',
      secret: false,
      required: true,
    },
    {
      key: 'CLIENT_ID',
      description: 'the app registration’s Application (client) ID',
      secret: false,
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description: 'a client secret of the app registration',
      secret: true,
      required: true,
    },
    {
      key: 'ORG_URL',
      description:
        'the environment URL, e.g. https://contoso.crm.dynamics.com: the token scope ({ORG_URL}/.default) and the Web API host',
      secret: false,
      required: true,
    },
    {
      key: 'TOKEN_URL',
      description:
        'the token endpoint; unset: https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token (national clouds, tests)',
      secret: false,
      required: false,
    },
    {
      key: 'TABLE',
      description:
        'logical name of the custom table holding one row per Arrears case (alternate key arrears_leasecase)',
      secret: false,
      required: false,
      default: 'arrears_case',
    },
    {
      key: 'ENTITY_SET',
      description: 'entity set name of that table in the Web API (usually the plural)',
      secret: false,
      required: false,
      default: 'arrears_cases',
    },
    {
      key: 'WEBHOOK_KEY',
      description:
        'the key of the webhook service endpoint (Plug-in Registration Tool, auth WebhookKey → ?code=, or HttpHeader x-arrears-webhook-key)',
      secret: true,
      required: false,
    },
  ],
  capabilities: {
    sends: ['writeback:dynamics'],
    inbound: ['actions'],
    other: [
      'write-back sink: upserts one row per case by alternate key arrears_leasecase = <leaseId>:<episode> (status, stage, last action, balance, tenant, property, unit, outcome), deactivates it when the case closes, and adds one note (annotation) per event',
      'a staff hold request typed into arrears_holdrequest (`hold: dispute`, `release: dispute` …, with arrears_holduntil) becomes a hold / release event when the webhook reports the row changed',
    ],
  },
  webhook: {
    signature:
      'No HMAC: the webhook registration’s static key arrives as the `code` query parameter (WebhookKey) or the x-arrears-webhook-key header (HttpHeader) and is compared in constant time with WEBHOOK_KEY; the event id is the RemoteExecutionContext OperationId (else RequestId, else x-request-id)',
    secretSetting: 'WEBHOOK_KEY',
  },
  rateLimit: {
    requests: 6000,
    perSeconds: 300,
    note: 'service protection per user, 5-minute sliding window: 6,000 requests, 20 minutes of execution time, 52 concurrent (figures ~); exceeding answers 429 with Retry-After',
  },
  verify: {
    method: 'GET',
    path: '/WhoAmI',
    description: 'gets a client-credentials token and calls the WhoAmI function',
  },
  idempotency: {
    supported: true,
    description:
      'no idempotency keys: the case row is upserted by its alternate key (PATCH; If-Match: * where it must already exist) and each note is created with an id derived from the event id and If-None-Match: * (412 means already written)',
  },
};

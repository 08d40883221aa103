import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'zoho',
  name: 'Zoho CRM',
  roles: ['crm'],
  docs: 'reference/connectors-systems.md section 7 "Zoho CRM (v2 → current v8)" (fakes: section 20)',
  auth: {
    mode: 'oauth2',
    description:
      'OAuth 2.0 refresh-token grant: POST {ACCOUNTS_URL}/oauth/v2/token form grant_type=refresh_token, client_id, client_secret, refresh_token → a 1-hour access token, cached and sent as `Authorization: Zoho-oauthtoken <token>` (not Bearer); a 401 asks for a new one once. Zoho refresh tokens are long-lived and do not rotate. Scopes: ZohoCRM.modules.ALL, ZohoCRM.notifications.ALL (and ZohoCRM.users.READ for verify).',
  },
  // The data centre's API domain (www.zohoapis.eu, .in, .com.au …) via ARREARS_ZOHO_BASE_URL.
  baseUrl: 'https://www.zohoapis.com',
  settings: [
    {
      key: 'CLIENT_ID',
      description: 'the client id of the Self Client / server-based client (api-console.zoho.com)',
      secret: false,
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description: 'the client secret of that client',
      secret: true,
      required: true,
    },
    {
      key: 'REFRESH_TOKEN',
      description: 'the refresh token from the grant-code exchange (long-lived until revoked)',
      secret: true,
      required: true,
    },
    {
      key: 'ACCOUNTS_URL',
      description:
        'the Zoho Accounts server of the data centre (accounts.zoho.eu, .in, .com.au, .jp, .sa, .com.cn, accounts.zohocloud.ca); must match BASE_URL’s DC',
      secret: false,
      required: false,
      default: 'https://accounts.zoho.com',
    },
    {
      key: 'NOTIFY_TOKEN',
      description:
        'the `token` (at most 50 characters) given to the notification channel; Zoho echoes it in every notification',
      secret: true,
      required: false,
    },
    {
      key: 'CHANNEL_ID',
      description: 'the notification channel id (a number of your choosing) watched for Cases',
      secret: false,
      required: false,
      default: '7730000000001',
    },
  ],
  capabilities: {
    sends: ['writeback:zoho'],
    inbound: ['actions'],
    other: [
      'write-back sink: upserts one Cases record per Arrears case (duplicate_check_fields Arrears_Lease_Case = <leaseId>:<episode>; Subject, Status New / Closed, stage, last action, balance, tenant, property, unit, outcome) and adds one note per event, titled with the event id so a repeat is found and not written twice',
      'subscribe: watches Cases.edit through the Notification API (channels expire within a day: run `arrears connectors subscribe zoho` daily)',
      'a staff hold request typed into Arrears_Hold_Request (`hold: dispute`, `release: dispute` …, with Arrears_Hold_Until) becomes a hold / release event when a notification reports the case changed',
    ],
  },
  webhook: {
    signature:
      'No HMAC: the notification body echoes the channel’s `token`, compared in constant time with NOTIFY_TOKEN, and its `channel_id` must be CHANNEL_ID; the event id is the channel id and a digest of module, operation, server_time and ids',
    secretSetting: 'NOTIFY_TOKEN',
  },
  rateLimit: {
    requests: 10,
    perSeconds: 1,
    note: 'API credits per rolling 24 h by edition (Standard 50,000 + 250/user …), concurrency 5–25 per org and app (~); 429 TOO_MANY_REQUESTS; ≤ 10 access tokens per refresh token in 10 minutes (~)',
  },
  verify: {
    method: 'GET',
    path: '/crm/v8/users?type=CurrentUser',
    description: 'refreshes an access token and reads the current user',
  },
  idempotency: {
    supported: true,
    description:
      'no idempotency keys: the case is upserted with duplicate_check_fields Arrears_Lease_Case; notes cannot be upserted, so the case’s notes are listed first and a note titled with the event id is not written again',
  },
};

import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'adobesign',
  name: 'Adobe Acrobat Sign',
  roles: ['esignature'],
  docs: 'reference/connectors-systems.md section 9 "Adobe Acrobat Sign REST v6" (and section 20)',
  auth: {
    mode: 'oauth2',
    description:
      'OAuth 2.0 refresh token: POST {TOKEN_URL} (default {apiAccessPoint}/oauth/v2/refresh) with grant_type=refresh_token, client_id, client_secret, refresh_token gives a 3600-s access token, cached until a minute before it expires; API calls send Authorization: Bearer. A refresh token answered back in place of ours is kept in memory and must be stored in REFRESH_TOKEN (a warning says so).',
  },
  // The account's apiAccessPoint (GET https://api.adobesign.com/api/rest/v6/baseUris): na1, eu1, jp1, au1 …
  baseUrl: 'https://api.na1.adobesign.com',
  settings: [
    {
      key: 'CLIENT_ID',
      description:
        'the OAuth application’s client id; also the X-AdobeSign-ClientId webhook requests must carry (and get echoed back)',
      secret: false,
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description: 'the OAuth application’s client secret',
      secret: true,
      required: true,
    },
    {
      key: 'REFRESH_TOKEN',
      description:
        'a refresh token granted to the app (scopes agreement_read, agreement_write, agreement_send, webhook_read, webhook_write); it lapses unless used every 60 days',
      secret: true,
      required: true,
    },
    {
      key: 'TOKEN_URL',
      description:
        'the refresh endpoint when it is not {apiAccessPoint}/oauth/v2/refresh (another shard, a fake)',
      secret: false,
      required: false,
    },
  ],
  capabilities: {
    sends: ['writeback:adobesign'],
    inbound: ['signatures'],
    other: [
      'sends a payment-plan agreement (a `writeback` action with fields.document payment_plan): our PDF as a transient document, the tenant as the one SIGNER, the lease id, outbox key and installments in externalId',
      'AGREEMENT_WORKFLOW_COMPLETED of a payment plan (re-read from Acrobat Sign, which must show it SIGNED) records a `plan` event (the payment_plan hold); rejected, recalled and expired agreements are logged',
      'answers the webhook verification of intent (GET) and every notification by echoing X-AdobeSign-ClientId',
    ],
  },
  webhook: {
    signature:
      'No HMAC: every request carries X-AdobeSign-ClientId, compared in constant time with CLIENT_ID and echoed back (response header X-AdobeSign-ClientId and JSON {"xAdobeSignClientId"}). The client id is no secret, so a completed agreement is re-read from Acrobat Sign before anything is recorded.',
    secretSetting: 'CLIENT_ID',
  },
  rateLimit: {
    requests: 60,
    perSeconds: 60,
    note: 'Acrobat Sign throttles per account and user without published numbers: a 429 is honoured (Retry-After, else the body’s retryAfter seconds); this figure is a conservative pace, not a documented limit',
  },
  verify: {
    method: 'GET',
    path: '/api/rest/v6/baseUris',
    description: 'refreshes an access token, then reads the account’s base URIs',
  },
  idempotency: {
    supported: false,
    description:
      'Acrobat Sign has no idempotency key: each agreement carries externalId (naming the outbox key), and every send first lists agreements by that externalId, answering with the one found instead of creating a second',
  },
};

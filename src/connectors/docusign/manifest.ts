import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'docusign',
  name: 'DocuSign eSignature',
  roles: ['esignature'],
  docs: 'reference/connectors-systems.md section 8 "DocuSign eSignature REST v2.1" (and section 20)',
  auth: {
    mode: 'oauth2',
    description:
      'JWT Grant: an RS256 JWT (iss INTEGRATION_KEY, sub USER_ID, aud the host of AUTH_URL, scope "signature impersonation", 1 h) signed with PRIVATE_KEY is exchanged at POST {AUTH_URL}/oauth/token (grant_type urn:ietf:params:oauth:grant-type:jwt-bearer); the access token is cached until a minute before it expires, then a new JWT is minted (there is no refresh token). Needs the one-time consent of USER_ID (else consent_required).',
  },
  // The account's own base URI (`accounts[].base_uri` of GET {AUTH_URL}/oauth/userinfo) +
  // `/restapi` goes in ARREARS_DOCUSIGN_BASE_URL; the developer sandbox is https://demo.docusign.net/restapi.
  baseUrl: 'https://www.docusign.net/restapi',
  settings: [
    {
      key: 'INTEGRATION_KEY',
      description: 'the app’s Integration Key (OAuth client id): the `iss` of the JWT',
      secret: false,
      required: true,
    },
    {
      key: 'USER_ID',
      description: 'the GUID of the DocuSign user envelopes are sent as: the `sub` of the JWT',
      secret: false,
      required: true,
    },
    {
      key: 'ACCOUNT_ID',
      description: 'the API Account ID (GUID) envelopes are created in',
      secret: false,
      required: true,
    },
    {
      key: 'PRIVATE_KEY',
      description:
        'the RSA private key (PEM) of the Integration Key’s keypair the JWT is signed with; `\\n` escapes are accepted',
      secret: true,
      required: true,
    },
    {
      key: 'AUTH_URL',
      description:
        'the OAuth base: https://account.docusign.com (production) or https://account-d.docusign.com (developer sandbox)',
      secret: false,
      required: false,
      default: 'https://account.docusign.com',
    },
    {
      key: 'CONNECT_KEY',
      description:
        'the Connect HMAC secret key(s) X-DocuSign-Signature-N are checked with; several (while rotating) separated by commas',
      secret: true,
      required: false,
    },
  ],
  capabilities: {
    sends: ['writeback:docusign'],
    inbound: ['signatures'],
    other: [
      'sends a payment-plan agreement (a `writeback` action with fields.document payment_plan) as an envelope: our PDF, the tenant as signer, the lease id, outbox key and installments in hidden text custom fields',
      'a completed payment-plan envelope records a `plan` event (the payment_plan hold); declined and voided envelopes are logged',
      'Connect is configured by an account admin: JSON (SIM) payload, "Include HMAC signature", URL {ARREARS_PUBLIC_URL}/webhooks/docusign',
    ],
  },
  webhook: {
    signature:
      'X-DocuSign-Signature-1…N (one per active Connect key) = base64(HMAC-SHA256(key, raw body bytes)); accepted when any header matches any CONNECT_KEY, compared in constant time',
    secretSetting: 'CONNECT_KEY',
  },
  rateLimit: {
    requests: 3000,
    perSeconds: 3600,
    note: 'per account, resetting on the hour (X-RateLimit-Limit/-Remaining/-Reset), plus a 30-s burst limit (X-BurstLimit-*: 500 production, 200 demo); per-envelope polling is capped, so status comes from Connect',
  },
  verify: {
    method: 'GET',
    path: '/v2.1/accounts/{ACCOUNT_ID}',
    description: 'mints a JWT-grant access token, then reads the account',
  },
  idempotency: {
    supported: false,
    description:
      'DocuSign has no idempotency key: the outbox key goes in the hidden text custom field arrears_outbox_key, and every send first lists envelopes by that custom field, answering with the envelope found instead of creating a second one',
  },
};

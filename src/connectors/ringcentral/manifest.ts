import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'ringcentral',
  name: 'RingCentral',
  roles: ['sms', 'voice'],
  docs: 'reference/connectors-messaging.md section 5 "RingCentral" (cheat sheet; opt-out facts: section 9)',
  auth: {
    mode: 'oauth2',
    description:
      'OAuth 2.0 JWT grant: POST /restapi/oauth/token with Basic base64(CLIENT_ID:CLIENT_SECRET), grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer and assertion=JWT; the access token is cached until it expires (then the single-use refresh token renews it) and every API call sends Authorization: Bearer',
  },
  baseUrl: 'https://platform.ringcentral.com',
  settings: [
    {
      key: 'CLIENT_ID',
      description: 'the app’s Client ID from the RingCentral developer console',
      secret: false,
      required: true,
    },
    {
      key: 'CLIENT_SECRET',
      description: 'the app’s Client Secret (the Basic-auth password of token requests)',
      secret: true,
      required: true,
    },
    {
      key: 'JWT',
      description:
        'the JWT credential of the sending user, exchanged for access tokens (jwt-bearer grant)',
      secret: true,
      required: true,
    },
    {
      key: 'FROM',
      description:
        'the sending number (E.164): an SMS-enabled number owned by or assigned to the JWT’s extension',
      secret: false,
      required: true,
    },
    {
      key: 'WEBHOOK_TOKEN',
      description:
        'the verificationToken given to the webhook subscription; every notification must carry it in Verification-Token',
      secret: true,
      required: false,
    },
    {
      key: 'RINGOUT_FROM',
      description:
        'the phone RingOut rings first for a voice item (a staff phone, E.164); unset: the user’s default forwarding number',
      secret: false,
      required: false,
    },
  ],
  capabilities: {
    sends: ['message:sms', 'message:voice'],
    inbound: ['replies', 'delivery_status'],
    other: [
      'creates the webhook subscription (inbound SMS, outbound SMS status changes, renewal reminders) and renews it when reminded',
      'voice items place a two-legged RingOut call (staff phone first, then the tenant); RingOut cannot play a recorded message or leave a voicemail',
    ],
  },
  webhook: {
    signature:
      'No HMAC: every notification carries the subscription’s verificationToken in the Verification-Token header, compared in constant time with WEBHOOK_TOKEN; the subscription handshake carries Validation-Token, which must be echoed back',
    secretSetting: 'WEBHOOK_TOKEN',
  },
  rateLimit: {
    requests: 40,
    perSeconds: 60,
    note: 'per user+app: SMS is the Medium group (40/min), RingOut Heavy (10/min), reads Light (50/min), token requests Auth (5/min); exceeding answers 429 with Retry-After and a 60 s penalty that a retry inside it restarts',
  },
  verify: {
    method: 'GET',
    path: '/restapi/v1.0/account/~/extension/~',
    description: 'exchanges the JWT for an access token, then reads the authorised extension',
  },
  idempotency: {
    supported: false,
    description:
      'no idempotency key is documented: a lost answer is unknown; 429 and 5xx are retried with backoff as RingCentral recommends',
  },
};

import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'slack',
  name: 'Slack',
  roles: ['alerts', 'chat'],
  docs: 'reference/connectors-messaging.md section 6 "Slack" and the inbound-authentication cheat sheet',
  auth: {
    mode: 'bearer',
    description:
      'Web API calls carry Authorization: Bearer <bot token> (xoxb-…, scopes chat:write, users:read, users:read.email)',
  },
  baseUrl: 'https://slack.com/api',
  settings: [
    {
      key: 'BOT_TOKEN',
      description:
        'the bot user OAuth token (xoxb-…) with chat:write, users:read and users:read.email',
      secret: true,
      required: true,
    },
    {
      key: 'SIGNING_SECRET',
      description:
        "the app's signing secret (Basic Information → App Credentials); without it the approve / reject buttons are refused",
      secret: true,
      required: false,
    },
    {
      key: 'CHANNEL',
      description: 'the id (C…) of the staff channel alerts are posted to; invite the bot there',
      secret: false,
      required: true,
    },
  ],
  capabilities: {
    sends: [],
    inbound: ['actions'],
    other: [
      'posts alerts (queue waiting, failed or unknown items, no scan today) to the staff channel',
      'approve / reject buttons act on the approval queue as the clicking Slack user, found by e-mail',
    ],
  },
  webhook: {
    signature:
      'X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body)>, timestamp within 5 minutes',
    secretSetting: 'SIGNING_SECRET',
  },
  rateLimit: {
    requests: 1,
    perSeconds: 1,
    note: 'chat.postMessage allows about one message per second per channel (short bursts); 429 carries Retry-After',
  },
  verify: {
    method: 'POST',
    path: '/auth.test',
    description: 'auth.test: the bot token is valid, and for which workspace and bot user',
  },
  idempotency: {
    supported: false,
    description:
      'the Web API has no idempotency key: a chat.postMessage repeated after a lost answer posts the alert twice',
  },
};

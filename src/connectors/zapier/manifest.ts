import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'zapier',
  name: 'Zapier (REST hooks)',
  roles: ['automation'],
  docs: 'reference/connectors-messaging.md §8 Zapier - REST Hooks and Catch Hook',
  auth: {
    mode: 'url_secret',
    description:
      'Zapier calls /api/v1/hooks with an Arrears API token of an admin or manager; ' +
      'our POSTs to its target URL carry no credential: the URL is the secret',
  },
  baseUrl: 'https://hooks.zapier.com',
  settings: [
    {
      key: 'ENABLED',
      description:
        'set to 1 to let Zapier subscribe to events (POST /api/v1/hooks) and let the worker ' +
        'post them to the subscribed URLs; unset, the hooks API answers 503 and nothing leaves',
      secret: false,
      required: true,
    },
  ],
  capabilities: {
    sends: [],
    inbound: ['subscriptions'],
    other: [
      'REST hook trigger source: subscribe, unsubscribe and sample endpoints under /api/v1/hooks',
      'posts case.opened, case.closed, action.sent, action.failed and reply.received to subscribed target URLs, in order, each once',
      'deletes a subscription whose target answers 410 Gone',
    ],
  },
  webhook: null,
  rateLimit: { requests: 30, perSeconds: 1, note: 'about 30 requests/s per hook, then 429 [T]' },
  verify: {
    method: 'GET',
    path: '/',
    description: 'GET the hook host (ARREARS_ZAPIER_BASE_URL): this server can reach Zapier',
  },
  idempotency: {
    supported: false,
    description:
      'Zapier does not deduplicate; each event carries a stable id (evt_<org>_<seq>) and is ' +
      'posted again only after a worker crash between the answer and the cursor update',
  },
};

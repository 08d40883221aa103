import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'okta',
  name: 'Okta',
  roles: ['identity', 'access'],
  docs:
    'reference/connectors-systems.md §10 Okta Management API (UserLifecycle, Event Hooks, ' +
    'rate limits), §20',
  auth: {
    mode: 'api_key',
    description:
      'Authorization: SSWS <API token> (Admin Console → Security → API → Tokens); the token acts with its creator’s admin rights',
  },
  // Every org has its own domain: ORG_URL (or ARREARS_OKTA_BASE_URL) replaces this.
  baseUrl: 'https://your-org.okta.com',
  settings: [
    {
      key: 'ORG_URL',
      description:
        'the Okta org URL, e.g. https://oakcourt.okta.com (the API is under /api/v1); ARREARS_OKTA_BASE_URL overrides it',
      secret: false,
      required: true,
    },
    {
      key: 'API_TOKEN',
      description: 'an SSWS API token of an admin allowed to manage users (suspend / unsuspend)',
      secret: true,
      required: true,
    },
    {
      key: 'EVENT_HOOK_SECRET',
      description:
        'the value Okta sends in the Authorization header of event hook calls (authScheme HEADER, key Authorization); unset: /webhooks/okta refused',
      secret: true,
      required: false,
    },
  ],
  capabilities: {
    sends: ['access:portal'],
    inbound: ['actions'],
    other: [
      "portal deny → suspends the tenant's Okta user (ACTIVE → SUSPENDED); portal restore → unsuspends it (SUSPENDED → ACTIVE)",
      'finds the user by login or primary e-mail equal to the tenant’s e-mail (search=profile.login eq … or profile.email eq …)',
      'reads the user first and transitions only from the matching status: already SUSPENDED (deny) or ACTIVE (restore) is success',
      'answers the event hook one-time verification (X-Okta-Verification-Challenge → {"verification": …}) and logs user lifecycle events',
    ],
  },
  webhook: {
    signature:
      'no HMAC: every event hook call carries the static Authorization header value configured on the hook (authScheme HEADER), compared in constant time; the one-time verification request carries X-Okta-Verification-Challenge',
    secretSetting: 'EVENT_HOOK_SECRET',
  },
  rateLimit: {
    requests: 600,
    perSeconds: 60,
    note: 'org-wide per endpoint (plan-dependent; /api/v1/users ≈600/min on common plans); 429 until X-Rate-Limit-Reset (epoch seconds)',
  },
  verify: {
    method: 'GET',
    path: '/api/v1/users/me',
    description: 'reads the admin user the API token belongs to',
  },
  idempotency: {
    supported: false,
    description:
      'Okta has no idempotency key and lifecycle calls are state transitions; the connector reads the user and transitions only from the matching status, so a repeat converges (already suspended = done)',
  },
};

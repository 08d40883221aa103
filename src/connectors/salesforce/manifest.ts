import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'salesforce',
  name: 'Salesforce',
  roles: ['crm'],
  docs: 'reference/connectors-systems.md §4 Salesforce REST API, §20 fakes',
  auth: {
    mode: 'oauth2',
    description:
      'OAuth 2.0 JWT bearer flow (RS256 assertion: iss = consumer key, sub = USERNAME, aud = AUDIENCE, exp ≤ 3 min) or client credentials (CLIENT_ID + CLIENT_SECRET) at {BASE_URL}/services/oauth2/token; calls go to the instance_url it answers with `Authorization: Bearer`, re-minted once on 401 INVALID_SESSION_ID',
  },
  baseUrl: 'https://login.salesforce.com',
  settings: [
    {
      key: 'CLIENT_ID',
      description: "the external client app's consumer key",
      secret: false,
      required: true,
    },
    {
      key: 'USERNAME',
      description: 'JWT bearer flow: the pre-authorized user the integration runs as (`sub`)',
      secret: false,
      required: false,
    },
    {
      key: 'PRIVATE_KEY',
      description:
        'JWT bearer flow: the PEM private key whose certificate is on the app (literal \\n accepted)',
      secret: true,
      required: false,
    },
    {
      key: 'CLIENT_SECRET',
      description:
        "client credentials flow: the consumer secret (runs as the app's Run As user; BASE_URL must then be the My Domain URL)",
      secret: true,
      required: false,
    },
    {
      key: 'AUDIENCE',
      description:
        'JWT bearer flow: `aud` (https://test.salesforce.com for a sandbox, or a community URL)',
      secret: false,
      required: false,
      default: 'https://login.salesforce.com',
    },
    {
      key: 'API_VERSION',
      description: 'the REST API version of /services/data/{version}/',
      secret: false,
      required: false,
      default: 'v66.0',
    },
    {
      key: 'CASE_ORIGIN',
      description: 'the Case Origin picklist value of arrears cases',
      secret: false,
      required: false,
      default: 'Web',
    },
  ],
  capabilities: {
    sends: ['writeback:salesforce'],
    inbound: [],
    other: [
      'keeps a Case per arrears case, upserted by the external id field Arrears_Lease_Case__c = <leaseId>:<episode> (create this Text, External ID, Unique field on Case first): New when it opens, Working as actions go out, Closed with its outcome; Description carries the balance and stage',
      'adds a Task on the Case per action sent and reply received (Completed), and per failed action (Not Started, High)',
      'a policy `writeback` action with target salesforce writes its fields onto the Case',
    ],
  },
  webhook: null,
  rateLimit: {
    requests: 100_000,
    perSeconds: 86_400,
    note: 'rolling 24-hour org allocation plus per-licence adders; 25 concurrent long requests; a breach is 403 REQUEST_LIMIT_EXCEEDED (no 429)',
  },
  verify: {
    method: 'GET',
    path: '/services/data/{version}/limits',
    description: 'mints a token, then reads the org limits at the instance URL',
  },
  idempotency: {
    supported: true,
    description:
      'no idempotency header: Cases are upserted by external id, and a Task is looked up on its Case (SOQL) by the event marker before it is created',
  },
};

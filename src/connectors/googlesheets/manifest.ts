import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'googlesheets',
  name: 'Google Sheets',
  roles: ['sheets'],
  docs: 'reference/connectors-systems.md §11 Google Sheets API v4, §20',
  auth: {
    mode: 'oauth2',
    description:
      'service account: an RS256 JWT {iss: client_email, scope: spreadsheets, aud: token URL} exchanged at the token endpoint (jwt-bearer grant) for a Bearer access token; the sheet must be shared with the service account e-mail',
  },
  baseUrl: 'https://sheets.googleapis.com',
  settings: [
    {
      key: 'SERVICE_ACCOUNT_JSON',
      description:
        'the service account key file (JSON) as downloaded from Google Cloud; or set CLIENT_EMAIL and PRIVATE_KEY instead',
      secret: true,
      required: false,
    },
    {
      key: 'CLIENT_EMAIL',
      description: 'the service account e-mail (when SERVICE_ACCOUNT_JSON is not given)',
      secret: false,
      required: false,
    },
    {
      key: 'PRIVATE_KEY',
      description:
        'the service account private key, PEM (when SERVICE_ACCOUNT_JSON is not given); `\\n` escapes are accepted',
      secret: true,
      required: false,
    },
    {
      key: 'SUBJECT',
      description:
        'a user to impersonate with domain-wide delegation (the JWT `sub`); usually unset',
      secret: false,
      required: false,
    },
    {
      key: 'SPREADSHEET_ID',
      description: 'the spreadsheet id from its URL (/spreadsheets/d/{id}/edit)',
      secret: false,
      required: true,
    },
    {
      key: 'LIST_SHEET',
      description: 'the tab holding the live delinquency list (one row per lease)',
      secret: false,
      required: false,
      default: 'Delinquency',
    },
    {
      key: 'LOG_SHEET',
      description: 'the tab holding the append-only action log (one row per case event)',
      secret: false,
      required: false,
      default: 'Action log',
    },
    {
      key: 'TOKEN_URL',
      description: 'the OAuth token endpoint (the JWT audience)',
      secret: false,
      required: false,
      default: 'https://oauth2.googleapis.com/token',
    },
  ],
  capabilities: {
    sends: [],
    inbound: [],
    other: [
      'keeps a live delinquency list: one row per lease with an open or recently closed case (upsert by lease id in column A)',
      'appends every case event to an action log, once per event id',
      'creates the two tabs when they are missing',
    ],
  },
  webhook: null,
  rateLimit: {
    requests: 60,
    perSeconds: 60,
    note: 'reads and writes: 60/min per user per project, 300/min per project; 429 RESOURCE_EXHAUSTED',
  },
  verify: {
    method: 'GET',
    path: '/v4/spreadsheets/{SPREADSHEET_ID}/values/{LIST_SHEET}!A1:I1',
    description: 'obtains an access token and reads the header row of the delinquency list',
  },
  idempotency: {
    supported: false,
    description:
      'append is not idempotent: the list row is found by lease id in column A and updated in place, and the log skips an event id it already holds',
  },
};

/**
 * What every connector is (SPEC 11, ARCHITECTURE "one folder per connector"): provider facts
 * as data — a manifest checked by one schema — and a factory that builds the live
 * connector from its settings. The folder of connector `x` holds:
 *
 *   manifest.ts      this file's `ConnectorManifest`, nothing else
 *   client.ts        the only file that calls the provider (through `http.ts`)
 *   map.ts           pure mapping both ways (outbox item → request, callback → event)
 *   webhooks.ts      signature check and parsing of the provider's callbacks
 *   fake-server.ts   a local server implementing the provider's documented contract
 *   index.ts         the `ConnectorModule`: manifest + `create(ctx)`
 *   x.contract.test.ts
 */
import { z } from 'zod';
import type { WebhookConnector } from '../app/ports/webhooks.js';
import type { Sender } from '../app/ports/outbox.js';
import type { PrintMailProvider } from '../outbox/document-sender.js';
import type { ConnectorContext } from './context.js';
import type { CaseSinkPort } from '../app/write-back.js';
import type { DataSourcePort } from '../app/ports/sources.js';

/** Connector ids: folder names, `/webhooks/{id}` paths, `connectors list` ids (SPEC 11). */
export const CONNECTOR_IDS = [
  'twilio',
  'ringcentral',
  'sendgrid',
  'mailgun',
  'smtp',
  'postal',
  'slack',
  'intercom',
  'zapier',
  'webhook',
  'quickbooks',
  'xero',
  'stripe',
  'salesforce',
  'hubspot',
  'dynamics',
  'zoho',
  'docusign',
  'adobesign',
  'okta',
  'gate',
  'googlesheets',
  'monday',
  'smartsheet',
  'freshdesk',
  'legalzoom',
  'buildium',
] as const;
export type ConnectorId = (typeof CONNECTOR_IDS)[number];

export const CONNECTOR_ROLES = [
  'sms',
  'voice',
  'email',
  'postal',
  'chat',
  'alerts',
  'automation',
  'accounting',
  'payments',
  'crm',
  'esignature',
  'identity',
  'access',
  'sheets',
  'work_tracker',
  'helpdesk',
  'legal',
  'property_system',
] as const;
export type ConnectorRole = (typeof CONNECTOR_ROLES)[number];

const UPPER_SNAKE = /^[A-Z][A-Z0-9_]*$/;

export const settingSchema = z.strictObject({
  /** Upper snake case after `ARREARS_{ID}_`, in the provider's own terms (`ACCOUNT_SID`). */
  key: z.string().regex(UPPER_SNAKE),
  description: z.string().min(1),
  /** Never printed, logged or written to the audit log. */
  secret: z.boolean(),
  /** Without it the connector is not configured (it stays off; sandbox takes its routes). */
  required: z.boolean(),
  default: z.string().optional(),
});
export type SettingSpec = z.infer<typeof settingSchema>;

/**
 * Outbox routes a connector can take: `type:channel`, `type:method` or `type`, with the
 * action types of SPEC 3.4 (`message:sms`, `document:certified_mail`, `access:portal` …).
 */
const ROUTE =
  /^(message|document|fee|task|access|status|insurance|overlock|cut_lock|auction|escalate|writeback|webhook)(:[a-z_]+)?$/;

export const manifestSchema = z.strictObject({
  id: z.enum(CONNECTOR_IDS),
  name: z.string().min(1),
  roles: z.array(z.enum(CONNECTOR_ROLES)).min(1),
  /** Section of `reference/connectors-*.md` the contract was built from. */
  docs: z.string().min(1),
  auth: z.strictObject({
    mode: z.enum(['basic', 'bearer', 'api_key', 'oauth2', 'smtp', 'hmac', 'url_secret', 'none']),
    description: z.string().min(1),
  }),
  /** The production base URL; `ARREARS_{ID}_BASE_URL` overrides it (a fake, a region). */
  baseUrl: z.string().url(),
  settings: z.array(settingSchema),
  capabilities: z.strictObject({
    /** Outbox routes it sends (see senders.ts), e.g. `message:sms`, `document:certified`. */
    sends: z.array(z.string().regex(ROUTE)),
    /** What its inbound webhooks feed: replies, delivery statuses, mail tracking … */
    inbound: z.array(
      z.enum([
        'replies',
        'delivery_status',
        'mail_tracking',
        'opt_out',
        'actions',
        'subscriptions',
        'balances',
        'signatures',
      ]),
    ),
    /** Other things it does, in words (`write back the case status to the contact` …). */
    other: z.array(z.string().min(1)),
  }),
  webhook: z
    .strictObject({
      /** How a callback is signed, in words (header, key, bytes, algorithm). */
      signature: z.string().min(1),
      /** The setting holding the verification secret; no value → webhooks refused. */
      secretSetting: z.string().regex(UPPER_SNAKE),
    })
    .nullable(),
  rateLimit: z.strictObject({
    requests: z.number().int().positive(),
    perSeconds: z.number().positive(),
    note: z.string().optional(),
  }),
  /** A cheap request proving the credentials work (`arrears connectors test ID`). */
  verify: z.strictObject({
    method: z.enum(['GET', 'POST', 'HEAD', 'SMTP']),
    path: z.string(),
    description: z.string().min(1),
  }),
  /** Does the provider deduplicate a repeated create (idempotency key)? */
  idempotency: z.strictObject({
    supported: z.boolean(),
    description: z.string().min(1),
  }),
});
export type ConnectorManifest = z.infer<typeof manifestSchema>;

/** The answer of a verify request (`connectors test`). */
export interface HealthResult {
  ok: boolean;
  /** What was checked and what came back, never a secret. */
  detail: string;
  latencyMs?: number;
}

/** Something staff should see in a chat channel (SPEC 10 alerts, the approval queue). */
export interface Alert {
  kind: 'queue_waiting' | 'failed_items' | 'unknown_items' | 'no_scan_today' | 'test';
  /** One line. */
  title: string;
  /** A few lines of detail, plain text; never a tenant's message body. */
  text: string;
  /** Outbox items it is about (at most 20); queue items get approve / reject buttons. */
  items?: { key: string; leaseId: string; stage: string; action: string; summary: string }[];
  /** A link to the dashboard page. */
  url?: string;
}

/** A connector built from its settings. */
export interface ConnectorInstance {
  readonly id: ConnectorId;
  /** Outbox routes it takes over from the sandbox (`message:sms` → its sender). */
  senders?: Record<string, Sender>;
  /**
   * A print-and-mail service: letters are rendered, stored and mailed through it by the
   * document sender (proof of service, tracking), for the `document:*` postal routes.
   */
  printMail?: PrintMailProvider;
  /** Its inbound webhook at `/webhooks/{id}`. */
  webhook?: WebhookConnector;
  /**
   * Write-back of case events (CRM, work trackers, sheets, helpdesk): app/write-back.ts
   * hands it every case event in order, with the lease's context.
   */
  sink?: CaseSinkPort;
  /** A system balances and payments are read from (accounting, payments, PMS). */
  source?: DataSourcePort;
  /** Posts alerts to a channel (Slack). */
  notify?(alert: Alert, signal?: AbortSignal): Promise<HealthResult>;
  /**
   * Registers our webhook URL with the provider, for providers that subscribe by API
   * (RingCentral); `arrears connectors subscribe ID`.
   */
  subscribe?(signal?: AbortSignal): Promise<HealthResult>;
  /** Runs the manifest's verify request. */
  verify(signal?: AbortSignal): Promise<HealthResult>;
}

export interface ConnectorModule {
  readonly manifest: ConnectorManifest;
  /** Called only when every required setting is present. */
  create(ctx: ConnectorContext): ConnectorInstance;
}

/** `ARREARS_TWILIO_ACCOUNT_SID` for (`twilio`, `ACCOUNT_SID`). */
export function settingEnvName(id: string, key: string): string {
  return `ARREARS_${id.toUpperCase()}_${key}`;
}

/**
 * Every connector Arrears ships (SPEC 11) and how the configured ones are built: a connector
 * is on when all its required settings are present (`ARREARS_{ID}_{SETTING}` or the
 * encrypted settings store); then it takes its outbox routes over from the sandbox and
 * serves `/webhooks/{id}`.
 *
 * Two connectors may offer the same route (Twilio and RingCentral both send SMS): the first
 * configured one in this list takes it, unless `ARREARS_ROUTES` says otherwise, e.g.
 * `ARREARS_ROUTES=message:sms=ringcentral,message:email=mailgun`.
 */
import { InputError } from '../domain/errors.js';
import type { Sender } from '../app/ports/outbox.js';
import type { WebhookConnector } from '../app/ports/webhooks.js';
import type { PrintMailProvider } from '../outbox/document-sender.js';
import {
  CONNECTOR_IDS,
  manifestSchema,
  type ConnectorId,
  type ConnectorInstance,
  type ConnectorManifest,
  type ConnectorModule,
} from './contract.js';
import type { ConnectorContext } from './context.js';
import { connectorSettings, settingsStatus, type Env, type SettingsStatus } from './settings.js';
import { adobesignConnector } from './adobesign/index.js';
import { buildiumConnector } from './buildium/index.js';
import { docusignConnector } from './docusign/index.js';
import { freshdeskConnector } from './freshdesk/index.js';
import { gateConnector } from './gate/index.js';
import { dynamicsConnector } from './dynamics/index.js';
import { googlesheetsConnector } from './googlesheets/index.js';
import { hubspotConnector } from './hubspot/index.js';
import { intercomConnector } from './intercom/index.js';
import { legalzoomConnector } from './legalzoom/index.js';
import { mailgunConnector } from './mailgun/index.js';
import { mondayConnector } from './monday/index.js';
import { oktaConnector } from './okta/index.js';
import { postalConnector } from './postal/index.js';
import { quickbooksConnector } from './quickbooks/index.js';
import { ringcentralConnector } from './ringcentral/index.js';
import { sendgridConnector } from './sendgrid/index.js';
import { salesforceConnector } from './salesforce/index.js';
import { slackConnector } from './slack/index.js';
import { smartsheetConnector } from './smartsheet/index.js';
import { stripeConnector } from './stripe/index.js';
import { smtpConnector } from './smtp/index.js';
import { twilioConnector } from './twilio/index.js';
import { webhookConnector } from './webhook/index.js';
import { xeroConnector } from './xero/index.js';
import { zohoConnector } from './zoho/index.js';
import { zapierConnector } from './zapier/index.js';

/** The shipped connectors, in route-precedence order. */
export const CONNECTOR_MODULES: readonly ConnectorModule[] = [
  twilioConnector,
  ringcentralConnector,
  sendgridConnector,
  mailgunConnector,
  smtpConnector,
  postalConnector,
  slackConnector,
  intercomConnector,
  zapierConnector,
  webhookConnector,
  salesforceConnector,
  hubspotConnector,
  googlesheetsConnector,
  mondayConnector,
  smartsheetConnector,
  dynamicsConnector,
  zohoConnector,
  docusignConnector,
  adobesignConnector,
  buildiumConnector,
  quickbooksConnector,
  xeroConnector,
  stripeConnector,
  oktaConnector,
  gateConnector,
  freshdeskConnector,
  legalzoomConnector,
];

export function moduleOf(id: string): ConnectorModule | undefined {
  return CONNECTOR_MODULES.find((m) => m.manifest.id === id);
}

export interface ConnectorListing {
  id: ConnectorId;
  name: string;
  roles: string[];
  /** False for an id of SPEC 11 that this build does not ship yet. */
  available: boolean;
  configured: boolean;
  /** Environment variables still to set. */
  missing: string[];
  sends: string[];
  webhook: boolean;
  /** The base URL in use (a fake's, a region's, or the provider's). */
  baseUrl: string | null;
  sources: SettingsStatus['sources'];
}

export function listConnectors(
  env: Env,
  stored: (id: string) => Readonly<Record<string, string>> = () => ({}),
): ConnectorListing[] {
  return CONNECTOR_IDS.map((id) => {
    const module = moduleOf(id);
    if (!module)
      return {
        id,
        name: id,
        roles: [],
        available: false,
        configured: false,
        missing: [],
        sends: [],
        webhook: false,
        baseUrl: null,
        sources: {},
      };
    const m = module.manifest;
    const status = settingsStatus(m, env, stored(id));
    return {
      id,
      name: m.name,
      roles: [...m.roles],
      available: true,
      configured: status.configured,
      missing: status.missing,
      sends: [...m.capabilities.sends],
      webhook: m.webhook !== null,
      baseUrl: connectorSettings(m, env, stored(id)).baseUrl,
      sources: status.sources,
    };
  });
}

/** `ARREARS_ROUTES=route=id,…` read into a map; an unknown id is an input error. */
export function routeOverrides(env: Env): Map<string, string> {
  const raw = env.ARREARS_ROUTES?.trim();
  const map = new Map<string, string>();
  if (!raw) return map;
  for (const part of raw.split(',')) {
    const [route, id] = part.split('=').map((s) => s.trim());
    if (!route || !id || !moduleOf(id))
      throw new InputError([
        {
          path: 'ARREARS_ROUTES',
          message: `\`${part}\` is not \`route=connector\` with a shipped connector id (e.g. message:sms=twilio)`,
        },
      ]);
    map.set(route, id);
  }
  return map;
}

export interface BuiltConnectors {
  instances: ConnectorInstance[];
  /** Outbox routes → sender, to merge over the sandbox's. */
  senders: Record<string, Sender>;
  webhooks: WebhookConnector[];
  /** The print-and-mail service letters go through (the first configured one). */
  printMail?: PrintMailProvider;
}

/**
 * Builds every configured connector. `contextFor` gives each its context (settings are
 * filled in here).
 */
export function buildConnectors(
  env: Env,
  contextFor: (manifest: ConnectorManifest) => Omit<ConnectorContext, 'settings'>,
  stored: (id: string) => Readonly<Record<string, string>> = () => ({}),
): BuiltConnectors {
  const overrides = routeOverrides(env);
  const instances: ConnectorInstance[] = [];
  for (const module of CONNECTOR_MODULES) {
    const m = module.manifest;
    if (!settingsStatus(m, env, stored(m.id)).configured) continue;
    instances.push(
      module.create({ ...contextFor(m), settings: connectorSettings(m, env, stored(m.id)) }),
    );
  }
  const senders: Record<string, Sender> = {};
  for (const instance of instances)
    for (const [route, sender] of Object.entries(instance.senders ?? {})) {
      const wanted = overrides.get(route);
      if (wanted !== undefined ? wanted === instance.id : senders[route] === undefined)
        senders[route] = sender;
    }
  const webhooks = instances.flatMap((i) => (i.webhook ? [i.webhook] : []));
  const printMail = instances.find((i) => i.printMail)?.printMail;
  return { instances, senders, webhooks, ...(printMail ? { printMail } : {}) };
}

/** Every manifest against the schema (a test runs this for all shipped connectors). */
export function checkManifests(modules: readonly ConnectorModule[] = CONNECTOR_MODULES): string[] {
  const problems: string[] = [];
  for (const module of modules) {
    const parsed = manifestSchema.safeParse(module.manifest);
    if (!parsed.success)
      problems.push(
        `${module.manifest.id}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const keys = new Set(module.manifest.settings.map((s) => s.key));
    const secretKey = module.manifest.webhook?.secretSetting;
    if (secretKey !== undefined && !keys.has(secretKey))
      problems.push(`${module.manifest.id}: webhook.secretSetting ${secretKey} is not a setting`);
    if (keys.has('BASE_URL'))
      problems.push(`${module.manifest.id}: BASE_URL is implied, do not declare it`);
  }
  return problems;
}

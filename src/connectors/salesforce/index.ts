/**
 * `salesforce`: case write-back to Salesforce (SPEC 11 CRM; reference §4) — a Case per
 * arrears case upserted by Arrears_Lease_Case__c, a Task per action and reply — and the
 * `writeback:salesforce` route (a policy `writeback` action's fields onto the Case).
 * Configured by `ARREARS_SALESFORCE_CLIENT_ID` with USERNAME + PRIVATE_KEY (JWT bearer) or
 * CLIENT_SECRET (client credentials).
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import { InputError } from '../../domain/errors.js';
import { settingEnvName, type ConnectorModule } from '../contract.js';
import type { ConnectorSettings } from '../settings.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import { createSalesforceClient, type SalesforceClient } from './client.js';
import { manifest } from './manifest.js';
import {
  caseExternalIdOf,
  errorOf,
  isLimitExceeded,
  recordIdOf,
  writebackFieldsOf,
} from './map.js';
import { LIMIT_WAIT_MS, createSalesforceSink } from './sink.js';
import { TokenRefused, privateKeyOf, type Grant } from './tokens.js';

const env = (key: string) => settingEnvName('salesforce', key);

function grantOf(s: ConnectorSettings): Grant {
  const clientId = s.require('CLIENT_ID');
  const key = s.get('PRIVATE_KEY');
  const username = s.get('USERNAME');
  if (key !== undefined || username !== undefined) {
    if (key === undefined || username === undefined)
      throw new InputError([
        {
          path: env(key === undefined ? 'PRIVATE_KEY' : 'USERNAME'),
          message: 'the JWT bearer flow needs both USERNAME and PRIVATE_KEY',
        },
      ]);
    let privateKey;
    try {
      privateKey = privateKeyOf(key);
    } catch {
      throw new InputError([{ path: env('PRIVATE_KEY'), message: 'is not a PEM private key' }]);
    }
    return {
      kind: 'jwt',
      clientId,
      username,
      privateKey,
      audience: s.get('AUDIENCE') ?? 'https://login.salesforce.com',
    };
  }
  const clientSecret = s.get('CLIENT_SECRET');
  if (clientSecret === undefined)
    throw new InputError([
      {
        path: env('CLIENT_SECRET'),
        message:
          'set CLIENT_SECRET (client credentials) or USERNAME and PRIVATE_KEY (JWT bearer flow)',
      },
    ]);
  return { kind: 'client_credentials', clientId, clientSecret };
}

async function writeFields(
  client: SalesforceClient,
  item: Parameters<typeof writebackFieldsOf>[0],
  now: number,
  signal?: AbortSignal,
): Promise<SendOutcome> {
  const checked = writebackFieldsOf(item);
  if (!checked.ok) return { tag: 'rejected', code: 'bad_fields', reason: checked.reason };
  const externalId = caseExternalIdOf(item.leaseId, item.episode);
  try {
    const res = await client.upsertCase(externalId, checked.fields, signal);
    if (isLimitExceeded(res))
      return {
        tag: 'retry_after',
        at: new Date(now + LIMIT_WAIT_MS).toISOString(),
        reason: 'REQUEST_LIMIT_EXCEEDED',
      };
    return outcomeOfResponse(res, {
      idempotent: true,
      now,
      // A 204 update names no id: the Case is known by its external id.
      externalId: (r) => recordIdOf(r.json) ?? (r.status === 204 ? externalId : undefined),
      errorOf,
    });
  } catch (error) {
    if (error instanceof TokenRefused)
      return { tag: 'retryable', reason: `credentials refused: ${error.error.message}` };
    return outcomeOfError(error, true);
  }
}

export const salesforceConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const s = ctx.settings;
    const apiVersion = s.get('API_VERSION') ?? 'v66.0';
    if (!/^v\d{2,3}\.\d$/.test(apiVersion))
      throw new InputError([{ path: env('API_VERSION'), message: 'must look like `v66.0`' }]);
    const client = createSalesforceClient({
      grant: grantOf(s),
      baseUrl: s.baseUrl,
      apiVersion,
      now: () => ctx.clock.now(),
    });
    return {
      id: 'salesforce',
      sink: createSalesforceSink(client, s.get('CASE_ORIGIN') ?? 'Web', ctx.log),
      senders: {
        'writeback:salesforce': {
          id: 'salesforce',
          idempotent: true,
          send: (item, sendCtx) => writeFields(client, item, ctx.clock.now(), sendCtx.signal),
        },
      },
      async verify(signal) {
        const started = Date.now();
        try {
          const res = await client.limits(signal);
          const err = res.status === 200 ? undefined : errorOf(res);
          return {
            ok: res.status === 200,
            detail: `GET /services/data/${apiVersion}/limits answered ${res.status}${err ? ` (${err.code})` : ''}`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};

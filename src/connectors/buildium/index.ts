/**
 * `buildium`: Buildium's Open API as a live property-system source (SPEC 11 "property
 * systems (data in) … Buildium API"): properties, leases, tenants, transactions and
 * outstanding balances in. No webhooks (none are documented): the worker's sync polls.
 */
import { InputError } from '../../domain/errors.js';
import { isTimeZone } from '../../domain/portfolio/schema.js';
import { settingEnvName, type ConnectorInstance, type ConnectorModule } from '../contract.js';
import { BuildiumError, createBuildiumClient, type BuildiumClient } from './client.js';
import { manifest } from './manifest.js';
import { createBuildiumSource } from './source.js';
import { stateCodeOf } from './states.js';

export interface BuildiumInstance extends ConnectorInstance {
  client: BuildiumClient;
}

const LEASE_STATUSES = ['Active', 'Past', 'Future'];

function settingProblem(key: string, message: string): InputError {
  return new InputError([{ path: settingEnvName('buildium', key), message }]);
}

export const buildiumConnector: ConnectorModule = {
  manifest,
  create(ctx): BuildiumInstance {
    const s = ctx.settings;
    const state = s.get('STATE');
    if (state !== undefined && stateCodeOf(state) === undefined)
      throw settingProblem('STATE', `\`${state}\` is not a US state code such as CA or US-CA`);
    const timezone = s.get('TIMEZONE');
    if (timezone !== undefined && !isTimeZone(timezone))
      throw settingProblem('TIMEZONE', `\`${timezone}\` is not an IANA time zone`);
    const statuses = (s.get('LEASE_STATUSES') ?? 'Active,Past')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const pageSize = Number(s.get('PAGE_SIZE') ?? '200');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw settingProblem('PAGE_SIZE', 'must be a whole number from 1 to 1000');

    const now = () => ctx.clock.now();
    const client = createBuildiumClient({
      baseUrl: s.baseUrl,
      clientId: s.require('CLIENT_ID'),
      clientSecret: s.require('CLIENT_SECRET'),
      now,
    });
    if (statuses.some((x) => !LEASE_STATUSES.includes(x)))
      ctx.log.warn(
        { connector: 'buildium', statuses },
        `LEASE_STATUSES names a status Buildium may refuse (known: ${LEASE_STATUSES.join(', ')})`,
      );
    return {
      id: 'buildium',
      client,
      source: createBuildiumSource({
        client,
        defaults: {
          ...(state !== undefined ? { state } : {}),
          ...(timezone !== undefined ? { timezone } : {}),
        },
        leaseStatuses: statuses,
        pageSize,
        now,
        log: ctx.log,
      }),
      async verify(signal) {
        const started = Date.now();
        try {
          const page = await client.rentals({ limit: 1 }, signal);
          return {
            ok: true,
            detail: `GET /rentals?limit=1 answered 200 (${page.total ?? page.items.length} rental properties)`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          const detail =
            error instanceof BuildiumError ? error.message : String((error as Error).message);
          return { ok: false, detail, latencyMs: Date.now() - started };
        }
      },
    };
  },
};

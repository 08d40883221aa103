/**
 * `zapier`: Arrears as a REST hook trigger source (SPEC 11; reference §8). Zapier subscribes
 * target URLs through /api/v1/hooks (http/routes/v1/hooks.ts) and the worker posts events to
 * them (app/publish-events.ts `publishEvents`, delivering through `hookDeliveryOf(instance)`
 * of the built connector). Off until `ARREARS_ZAPIER_ENABLED=1`: a subscription sends case
 * data out of Arrears, so an operator opts in, as with every other connector.
 */
import type { HookDelivery } from '../../app/publish-events.js';
import { InputError } from '../../domain/errors.js';
import { settingEnvName, type ConnectorInstance, type ConnectorModule } from '../contract.js';
import type { ConnectorContext } from '../context.js';
import { createZapierClient, type ZapierClient } from './client.js';
import { manifest } from './manifest.js';

const ON = new Set(['1', 'true', 'yes', 'on']);

function clientOf(ctx: ConnectorContext): ZapierClient {
  const enabled = ctx.settings.require('ENABLED').trim().toLowerCase();
  if (!ON.has(enabled))
    throw new InputError([
      {
        path: settingEnvName('zapier', 'ENABLED'),
        message: 'must be 1 to turn REST hooks on; unset it to keep them off',
      },
    ]);
  return createZapierClient({ baseUrl: ctx.settings.baseUrl, now: () => ctx.clock.now() });
}

/** The built connector: its `hooks` is the delivery `publishEvents` posts through. */
export interface ZapierInstance extends ConnectorInstance {
  readonly hooks: HookDelivery;
}

export function hookDeliveryOf(instance: ConnectorInstance): HookDelivery | undefined {
  return instance.id === 'zapier' ? (instance as Partial<ZapierInstance>).hooks : undefined;
}

export const zapierConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const client = clientOf(ctx);
    const instance: ZapierInstance = {
      id: 'zapier',
      hooks: client,
      async verify(signal) {
        const started = Date.now();
        try {
          const { status } = await client.ping(signal);
          return {
            ok: status < 500,
            detail: `GET ${ctx.settings.baseUrl}/ answered ${status}`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
    return instance;
  },
};

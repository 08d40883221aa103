/**
 * Connector settings (SPEC 11): `ARREARS_{ID}_{SETTING}` from the environment, else the
 * encrypted settings store, else the manifest's default. `ARREARS_{ID}_BASE_URL` is
 * accepted by every connector so it can point at its fake.
 */
import { InputError } from '../domain/errors.js';
import { settingEnvName, type ConnectorManifest } from './contract.js';

export interface ConnectorSettings {
  readonly id: string;
  /** The provider's base URL without a trailing slash. */
  readonly baseUrl: string;
  get(key: string): string | undefined;
  /** The value, or an InputError naming the variable to set. */
  require(key: string): string;
}

export interface SettingsStatus {
  /** Every required setting has a value. */
  configured: boolean;
  /** Environment variable names of the required settings without a value. */
  missing: string[];
  /** Where each present setting came from (never the value). */
  sources: Record<string, 'env' | 'store' | 'default'>;
}

export type Env = Readonly<Record<string, string | undefined>>;

function lookup(
  manifest: ConnectorManifest,
  env: Env,
  stored: Readonly<Record<string, string>>,
  key: string,
): { value: string; source: 'env' | 'store' | 'default' } | undefined {
  const fromEnv = env[settingEnvName(manifest.id, key)];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: 'env' };
  const fromStore = stored[key];
  if (fromStore !== undefined && fromStore !== '') return { value: fromStore, source: 'store' };
  const spec = manifest.settings.find((s) => s.key === key);
  if (spec?.default !== undefined) return { value: spec.default, source: 'default' };
  return undefined;
}

export function settingsStatus(
  manifest: ConnectorManifest,
  env: Env,
  stored: Readonly<Record<string, string>> = {},
): SettingsStatus {
  const sources: SettingsStatus['sources'] = {};
  const missing: string[] = [];
  for (const spec of [...manifest.settings, { key: 'BASE_URL', required: false }]) {
    const found = lookup(manifest, env, stored, spec.key);
    if (found) sources[spec.key] = found.source;
    else if (spec.required) missing.push(settingEnvName(manifest.id, spec.key));
  }
  return { configured: missing.length === 0, missing, sources };
}

export function connectorSettings(
  manifest: ConnectorManifest,
  env: Env,
  stored: Readonly<Record<string, string>> = {},
): ConnectorSettings {
  const get = (key: string) => lookup(manifest, env, stored, key)?.value;
  const baseUrl = (get('BASE_URL') ?? manifest.baseUrl).replace(/\/+$/, '');
  return {
    id: manifest.id,
    baseUrl,
    get,
    require(key) {
      const value = get(key);
      if (value === undefined)
        throw new InputError([
          {
            path: settingEnvName(manifest.id, key),
            message: `the ${manifest.name} connector needs this setting; set it in the environment or with \`arrears connectors set ${manifest.id} ${key}\``,
          },
        ]);
      return value;
    },
  };
}

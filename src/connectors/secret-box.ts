/**
 * Connector secrets at rest (SPEC 11 "the encrypted settings store"): AES-256-GCM with a
 * random 96-bit IV per value, the key from `ARREARS_SECRETS_KEY` (32 bytes, as 64 hex
 * characters or base64). Sealed values look like `v1:<iv>:<tag>:<ciphertext>` (base64url);
 * the setting's name is bound as additional data, so a value copied onto another setting
 * does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InputError } from '../domain/errors.js';

export const SECRETS_KEY_ENV = 'ARREARS_SECRETS_KEY';

export function secretsKeyFrom(env: Readonly<Record<string, string | undefined>>): Buffer | null {
  const raw = env[SECRETS_KEY_ENV]?.trim();
  if (!raw) return null;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32)
    throw new InputError([
      {
        path: SECRETS_KEY_ENV,
        message: 'must be 32 bytes: 64 hex characters or base64 (e.g. `openssl rand -base64 32`)',
      },
    ]);
  return key;
}

export function seal(key: Buffer, name: string, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(name));
  const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  const b = (x: Buffer) => x.toString('base64url');
  return `v1:${b(iv)}:${b(cipher.getAuthTag())}:${b(ct)}`;
}

export function open(key: Buffer, name: string, sealed: string): string {
  const [v, iv, tag, ct] = sealed.split(':');
  if (v !== 'v1' || !iv || !tag || ct === undefined)
    throw new Error(`stored setting ${name} is not a sealed value`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(name));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([
      decipher.update(Buffer.from(ct, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new InputError([
      {
        path: SECRETS_KEY_ENV,
        message: `cannot open the stored setting ${name}: the key is not the one it was stored with`,
      },
    ]);
  }
}

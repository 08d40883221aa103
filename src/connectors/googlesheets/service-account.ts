/**
 * The service-account credentials and the JWT assertion exchanged for an access token
 * (reference §11): RS256 over `base64url(header).base64url(claims)`, claims
 * `{iss: client_email, scope, aud: token URL, iat, exp ≤ iat + 3600, sub?}`. Pure apart
 * from the signature; problems name the setting, never its value.
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';

export const SHEETS_SCOPE = 'https://www.googleapis.com/auth/spreadsheets';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface ServiceAccount {
  clientEmail: string;
  privateKey: KeyObject;
  /** The key file's `private_key_id`: sent as the JWT `kid`. */
  keyId?: string;
}

export type Credentials = { ok: true; account: ServiceAccount } | { ok: false; problem: string };

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

function keyOf(pem: string, setting: string): KeyObject | string {
  try {
    // Keys pasted into an environment variable often carry literal `\n`.
    return createPrivateKey(pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem);
  } catch {
    return `${setting} is not a PEM private key`;
  }
}

/** From SERVICE_ACCOUNT_JSON, else CLIENT_EMAIL + PRIVATE_KEY. */
export function credentialsOf(settings: {
  serviceAccountJson?: string;
  clientEmail?: string;
  privateKey?: string;
}): Credentials {
  if (str(settings.serviceAccountJson) !== undefined) {
    let file: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(settings.serviceAccountJson!);
      if (parsed === null || typeof parsed !== 'object') throw new Error('not an object');
      file = parsed as Record<string, unknown>;
    } catch {
      return { ok: false, problem: 'SERVICE_ACCOUNT_JSON is not a JSON key file' };
    }
    const email = str(file.client_email);
    const pem = str(file.private_key);
    if (email === undefined || pem === undefined)
      return {
        ok: false,
        problem: 'SERVICE_ACCOUNT_JSON has no client_email or private_key (a service account key?)',
      };
    const key = keyOf(pem, 'SERVICE_ACCOUNT_JSON private_key');
    if (typeof key === 'string') return { ok: false, problem: key };
    const keyId = str(file.private_key_id);
    return {
      ok: true,
      account: { clientEmail: email, privateKey: key, ...(keyId ? { keyId } : {}) },
    };
  }
  const email = str(settings.clientEmail);
  const pem = str(settings.privateKey);
  if (email === undefined || pem === undefined)
    return {
      ok: false,
      problem: 'set SERVICE_ACCOUNT_JSON, or CLIENT_EMAIL and PRIVATE_KEY, for the service account',
    };
  const key = keyOf(pem, 'PRIVATE_KEY');
  if (typeof key === 'string') return { ok: false, problem: key };
  return { ok: true, account: { clientEmail: email, privateKey: key } };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The signed assertion, valid for an hour from `nowMs`. */
export function signAssertion(
  account: ServiceAccount,
  o: { nowMs: number; audience: string; scope?: string; subject?: string },
): string {
  const iat = Math.floor(o.nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(account.keyId ? { kid: account.keyId } : {}) };
  const claims = {
    iss: account.clientEmail,
    scope: o.scope ?? SHEETS_SCOPE,
    aud: o.audience,
    iat,
    exp: iat + 3600,
    ...(o.subject ? { sub: o.subject } : {}),
  };
  const input = `${b64url(header)}.${b64url(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(account.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** The few cookie helpers the session needs (RFC 6265): read one, write one. */

export const SESSION_COOKIE = 'arrears_session';

export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  /** Only over HTTPS (always, except a plain-HTTP local server). */
  secure: boolean;
}

/** HttpOnly (scripts cannot read it), SameSite=Strict (no cross-site sends), path /. */
export function sessionCookie(value: string, o: CookieOptions): string {
  return [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`,
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}

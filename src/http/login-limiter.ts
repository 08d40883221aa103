/**
 * Failed sign-ins per e-mail and per client address in a sliding window (in this process:
 * several server processes each keep their own count, which still bounds guessing).
 */
export interface LoginLimiter {
  /** Milliseconds until another attempt is allowed; 0 when allowed now. */
  blockedFor(email: string, ip: string): number;
  failed(email: string, ip: string): void;
  succeeded(email: string, ip: string): void;
}

export interface LoginLimits {
  perEmail: number;
  perIp: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perEmail: 5, perIp: 20, windowMs: 15 * 60_000 };

export function createLoginLimiter(
  now: () => number,
  limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
): LoginLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string) => {
    const cutoff = now() - limits.windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  };
  const wait = (key: string, max: number) => {
    const list = recent(key);
    return list.length >= max ? list[list.length - max]! + limits.windowMs - now() : 0;
  };
  return {
    blockedFor: (email, ip) =>
      Math.max(wait(`e:${email}`, limits.perEmail), wait(`i:${ip}`, limits.perIp)),
    failed(email, ip) {
      for (const key of [`e:${email}`, `i:${ip}`]) failures.set(key, [...recent(key), now()]);
      if (failures.size > 100_000) failures.clear(); // bounded memory under a flood
    },
    succeeded(email) {
      failures.delete(`e:${email}`);
    },
  };
}

/**
 * Dashboard sign-in (SPEC 10): e-mail + password → a session. The same answer for an
 * unknown e-mail and a wrong password (and the same scrypt work), so a caller cannot tell
 * which e-mails exist. An e-mail used in several organisations needs the organisation.
 */
import type { IssuedSession, SessionStore } from './ports/auth.js';
import { verifyPassword } from './passwords.js';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export type SignInResult =
  | { ok: true; session: IssuedSession; orgId: string; userId: string }
  | { ok: false; reason: 'invalid' | 'choose_organisation'; organisations?: string[] };

export async function signIn(
  sessions: SessionStore,
  input: { email: string; password: string; orgId?: string },
  ttlMs = SESSION_TTL_MS,
): Promise<SignInResult> {
  let candidates = await sessions.usersWithEmail(input.email);
  if (input.orgId !== undefined) candidates = candidates.filter((c) => c.orgId === input.orgId);
  const matches: typeof candidates = [];
  for (const c of candidates)
    if (await verifyPassword(input.password, c.passwordHash)) matches.push(c);
  if (candidates.length === 0) await verifyPassword(input.password, null);
  if (matches.length === 0) return { ok: false, reason: 'invalid' };
  if (matches.length > 1)
    return { ok: false, reason: 'choose_organisation', organisations: matches.map((m) => m.orgId) };
  const m = matches[0]!;
  return {
    ok: true,
    session: await sessions.create(m.orgId, m.userId, ttlMs),
    orgId: m.orgId,
    userId: m.userId,
  };
}

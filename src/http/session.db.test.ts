/**
 * Dashboard sign-in on every engine: a password set by the CLI's use case signs in, the
 * HttpOnly cookie then authenticates API calls, a change without the CSRF token is refused,
 * wrong passwords are limited, an owner sees only its own properties, sign-out ends it.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { oakCourt } from '../../test/support/oak-court.js';
import { hashPassword } from '../app/passwords.js';
import { importJsonPortfolio } from '../app/import-portfolio.js';
import { fixedClock } from '../app/ports/clock.js';
import { storesFor } from '../main.js';
import { createApiTokenAuth } from '../storage/repos/api-tokens-repo.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { createSessionsRepo } from '../storage/repos/sessions-repo.js';
import { createUsersRepo } from '../storage/repos/users-repo.js';
import { buildApp } from './app.js';
import { SESSION_COOKIE } from './cookies.js';
import { fakeDeps } from './testing.js';
import { createLoginLimiter } from './login-limiter.js';

const ORG = 'oak';
const ORG2 = 'oak-owners';
const PASSWORD = 'correct horse battery';

function cookieFrom(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0]! : setCookie!;
  return header.split(';')[0]!;
}

forEachDialect('dashboard sessions', (h) => {
  it('signs in with a password, then the cookie and CSRF token authenticate the API', async () => {
    const db = await h.openMigrated();
    const clock = fixedClock(Date.parse('2026-10-06T16:00:00Z'));
    await ensureOrganisation(db, { id: ORG, name: ORG, at: '2026-09-01T00:00:00.000Z' });
    const users = createUsersRepo(db, clock);
    const { user: admin } = await users.addUser(ORG, 'admin@oakcourt.example', 'admin');
    await users.setPassword(ORG, admin.id, await hashPassword(PASSWORD));
    const sessions = createSessionsRepo(db, clock);
    const { deps } = fakeDeps();
    const app = await buildApp({
      ...deps,
      clock,
      auth: { ...createApiTokenAuth(db), sessions },
      session: { sessions, users, now: () => clock.now(), secureCookie: true },
    });

    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'admin@oakcourt.example', password: 'not the password' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'Admin@OakCourt.example', password: PASSWORD },
    });
    expect(ok.statusCode).toBe(200);
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=ses_`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Secure');
    const { csrfToken, user } = ok.json();
    expect(user).toMatchObject({
      email: 'admin@oakcourt.example',
      role: 'admin',
      organisation: ORG,
    });
    const cookie = cookieFrom(ok.headers['set-cookie']);

    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: 'admin@oakcourt.example' });

    // A change with only the cookie (what a cross-site form would send) is refused.
    const forged = await app.inject({
      method: 'POST',
      url: '/api/v1/queue/approve',
      headers: { cookie },
      payload: { all: true },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().detail).toContain('CSRF');

    const again = await app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
    expect(again.json().csrfToken).toBe(csrfToken);

    const out = await app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(out.statusCode).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode,
    ).toBe(401);
    await app.close();
  });

  it('limits failed sign-ins per e-mail, and an owner sees only its properties', async () => {
    const db = await h.openMigrated();
    const clock = fixedClock(Date.parse('2026-10-06T16:00:00Z'));
    await ensureOrganisation(db, { id: ORG2, name: ORG2, at: '2026-09-01T00:00:00.000Z' });
    const stores = storesFor(db);
    const portfolio = oakCourt();
    (portfolio.properties[0] as { ownerId?: string }).ownerId = 'OWN-1';
    await importJsonPortfolio(
      { clock, ...stores },
      {
        orgId: ORG2,
        fileName: 'p.json',
        text: JSON.stringify(portfolio),
        format: 'json',
        actor: 't',
      },
    );
    const users = createUsersRepo(db, clock);
    await users.addUser(ORG2, 'admin@oakcourt.example', 'admin');
    const { user: owner } = await users.addUser(ORG2, 'owner@example.com', 'owner');
    await users.setPassword(ORG2, owner.id, await hashPassword(PASSWORD));
    await users.setScope(ORG2, owner.id, { ownerId: 'OWN-1', propertyIds: null });
    const sessions = createSessionsRepo(db, clock);
    const { deps } = fakeDeps();
    const app = await buildApp({
      ...deps,
      clock,
      auth: { ...createApiTokenAuth(db), sessions },
      session: {
        sessions,
        users,
        now: () => clock.now(),
        limiter: createLoginLimiter(() => clock.now(), {
          perEmail: 3,
          perIp: 100,
          windowMs: 60_000,
        }),
      },
    });
    const attempt = (password: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: 'owner@example.com', password },
      });
    for (let i = 0; i < 3; i++) expect((await attempt('guess-number-' + i)).statusCode).toBe(401);
    const limited = await attempt(PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    const ownerSession = await sessions.create(ORG2, owner.id, 60_000);
    const auth = await sessions.authenticate(ownerSession.token);
    expect(auth).toMatchObject({
      ok: true,
      principal: { role: 'owner', propertyIds: [portfolio.properties[0]!.id] },
    });
    await users.setScope(ORG2, owner.id, { ownerId: null, propertyIds: null });
    expect(await sessions.authenticate(ownerSession.token)).toMatchObject({
      principal: { propertyIds: [] },
    });
    await app.close();
  });
});

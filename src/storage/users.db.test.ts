import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { resolveActingUser } from '../app/approve-action.js';
import { fixedClock } from '../app/ports/clock.js';
import { AppError, InputError } from '../domain/errors.js';
import { iso, T0 } from '../outbox/testing.js';
import { readChain } from './repos/audit-repo.js';
import { ensureOrganisation } from './repos/organisations-repo.js';
import { createUsersRepo } from './repos/users-repo.js';

forEachDialect('users', (h) => {
  it('the first user is an admin; e-mails are lower-case and unique per organisation', async () => {
    const db = await h.openMigrated();
    const clock = fixedClock(T0);
    const users = createUsersRepo(db, clock);
    await ensureOrganisation(db, { id: 'u-org', name: 'U', at: iso(T0) });
    await ensureOrganisation(db, { id: 'u-other', name: 'V', at: iso(T0) });

    const first = await users.addUser('u-org', '  Ana@Example.COM ', 'collections');
    expect(first).toMatchObject({
      user: { email: 'ana@example.com', role: 'admin', orgId: 'u-org', createdAt: iso(T0) },
      requestedRole: 'collections',
    });
    clock.advance(1000);
    const second = await users.addUser('u-org', 'bob@example.com', 'auditor');
    expect(second).toEqual({ user: expect.objectContaining({ role: 'auditor' }) });
    await expect(users.addUser('u-org', 'ANA@example.com', 'manager')).rejects.toThrow(
      'a user ana@example.com already exists in u-org',
    );
    await expect(users.addUser('u-org', 'ANA@example.com', 'manager')).rejects.toBeInstanceOf(
      AppError,
    );
    // The same e-mail may exist in another organisation (and is its first admin there).
    expect((await users.addUser('u-other', 'ana@example.com', 'finance')).user.role).toBe('admin');

    const bad = await users.addUser('u-org', 'not-an-email', 'boss').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InputError);
    expect((bad as InputError).issues.map((i) => i.path)).toEqual(['EMAIL', '--role']);
    expect((bad as InputError).message).toContain(
      'use one of admin, manager, collections, legal, finance, owner, auditor',
    );

    expect((await users.list('u-org')).map((u) => [u.email, u.role])).toEqual([
      ['ana@example.com', 'admin'],
      ['bob@example.com', 'auditor'],
    ]);
    expect((await users.findByEmail('u-org', 'BOB@example.com'))?.id).toBe(second.user.id);
    expect((await users.getById('u-org', first.user.id))?.email).toBe('ana@example.com');
    expect((await users.firstAdmin('u-org'))?.email).toBe('ana@example.com');

    const audit = await readChain(db, 'u-org');
    expect(audit.map((e) => [e.type, e.subject])).toEqual([
      ['user.added', `user:${first.user.id}`],
      ['user.added', `user:${second.user.id}`],
    ]);
    expect(audit[0]!.data).toMatchObject({ role: 'admin', requestedRole: 'collections' });
  });

  it('the acting user: --as / ARREARS_USER, else the first admin, else a clear error', async () => {
    const db = await h.openMigrated();
    const users = createUsersRepo(db, fixedClock(T0));
    await ensureOrganisation(db, { id: 'u-act', name: 'A', at: iso(T0) });
    await expect(resolveActingUser(users, 'u-act')).rejects.toThrow(
      'organisation u-act has no users yet; add one with `arrears user add EMAIL --role admin`',
    );
    await users.addUser('u-act', 'ana@example.com', 'admin');
    await users.addUser('u-act', 'bob@example.com', 'manager');
    expect((await resolveActingUser(users, 'u-act')).email).toBe('ana@example.com');
    expect((await resolveActingUser(users, 'u-act', 'Bob@Example.com')).email).toBe(
      'bob@example.com',
    );
    await expect(resolveActingUser(users, 'u-act', 'eve@example.com')).rejects.toThrow(
      'no user eve@example.com in organisation u-act',
    );
  });

  it('two concurrent first users: exactly one becomes admin by default', async () => {
    const a = await h.openMigrated();
    const b = h.dialect === 'postgres' ? await h.open() : a;
    await ensureOrganisation(a, { id: 'u-race', name: 'R', at: iso(T0) });
    const added = await Promise.all([
      createUsersRepo(a).addUser('u-race', 'one@example.com', 'collections'),
      createUsersRepo(b).addUser('u-race', 'two@example.com', 'collections'),
    ]);
    expect(added.map((x) => x.user.role).sort()).toEqual(['admin', 'collections']);
  });
});

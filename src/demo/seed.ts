/**
 * Fills an empty organisation with the demo portfolio, the state workflows its properties
 * need and one user per role (SPEC 9 `arrears demo`). A second call finds the leases and
 * leaves everything as it is, so restarting the demo keeps what the visitor did.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPolicy } from '../app/apply-policy.js';
import { importJsonPortfolio } from '../app/import-portfolio.js';
import { hashPassword } from '../app/passwords.js';
import { parsePolicy } from '../domain/policy/read.js';
import { storesFor, type Runtime } from '../main.js';
import { createUsersRepo } from '../storage/repos/users-repo.js';
import { DEMO_PASSWORD, DEMO_POLICY_FILES, DEMO_USERS, demoPortfolio } from './portfolio.js';

export interface SeedResult {
  /** False when the organisation already had leases. */
  seeded: boolean;
  leases: number;
  policies: string[];
  users: { email: string; role: string }[];
}

export async function seedDemo(
  rt: Runtime,
  options: { examplesDir: string; today: string },
): Promise<SeedResult> {
  const stores = storesFor(rt.db);
  const users = createUsersRepo(rt.db, rt.clock);
  const existing = await stores.portfolio.leaseIds(rt.orgId);
  if (existing.length > 0)
    return {
      seeded: false,
      leases: existing.length,
      policies: (await stores.policies.current(rt.orgId)).map((p) => p.policy.id),
      users: (await users.list(rt.orgId)).map((u) => ({ email: u.email, role: u.role })),
    };

  const policies: string[] = [];
  for (const file of DEMO_POLICY_FILES) {
    const path = join(options.examplesDir, 'policies', file);
    const policy = parsePolicy(await readFile(path, 'utf8'), path);
    await applyPolicy(
      { clock: rt.clock, ...stores },
      { orgId: rt.orgId, policy, author: 'system:demo', dryRun: false },
    );
    policies.push(policy.id);
  }

  const portfolio = demoPortfolio(options.today);
  await importJsonPortfolio(
    { clock: rt.clock, ...stores },
    {
      orgId: rt.orgId,
      fileName: 'demo-portfolio.json',
      text: JSON.stringify(portfolio),
      format: 'json',
      actor: 'system:demo',
    },
  );

  const hash = await hashPassword(DEMO_PASSWORD);
  for (const u of DEMO_USERS) {
    const { user } = await users.addUser(rt.orgId, u.email, u.role, 'system:demo');
    await users.setPassword(rt.orgId, user.id, hash, 'system:demo');
    if ('ownerId' in u)
      await users.setScope(
        rt.orgId,
        user.id,
        { ownerId: u.ownerId, propertyIds: null },
        'system:demo',
      );
  }
  return {
    seeded: true,
    leases: portfolio.leases.length,
    policies,
    users: DEMO_USERS.map((u) => ({ email: u.email, role: u.role })),
  };
}

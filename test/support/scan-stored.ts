/**
 * What scans stored for an organisation, without ids and write times of their own: the
 * outbox rows, lease states and cases, in key order (and the organisation such tests scan). Two ways of scanning the same portfolio
 * (inline or on threads, through the evaluator or settled by the store) must store the same.
 */
import { benchPolicy } from '../../bench/fixtures.js';
import { importJsonPortfolio } from '../../src/app/import-portfolio.js';
import type { PolicyStore } from '../../src/app/ports/policies.js';
import type { Db } from '../../src/storage/database.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';

export async function scanStored(db: Db, orgId: string) {
  const k = db.kysely;
  const outbox = await k
    .selectFrom('outbox')
    .select([
      'key',
      'lease_id',
      'episode',
      'stage',
      'type',
      'status',
      'reason',
      'due_at',
      'payload',
    ])
    .where('org_id', '=', orgId)
    .orderBy('key')
    .execute();
  const states = await k
    .selectFrom('lease_state')
    .select([
      'lease_id',
      'input_hash',
      'next_due_at',
      'readiness',
      'readiness_reason',
      'evaluated_at',
      'changed_at',
      'tracking_from',
      'snapshot',
      'reported_balance_cents',
    ])
    .where('org_id', '=', orgId)
    .orderBy('lease_id')
    .execute();
  const cases = await k
    .selectFrom('cases')
    .select(['lease_id', 'episode', 'opened', 'closed', 'outcome'])
    .where('org_id', '=', orgId)
    .orderBy('lease_id')
    .orderBy('episode')
    .execute();
  return { outbox, states, cases };
}

export type ScanStored = Awaited<ReturnType<typeof scanStored>>;

/** An organisation with the bench policy and `portfolioText` imported, as a scan test starts. */
export async function benchOrganisation(
  deps: Parameters<typeof importJsonPortfolio>[0] & { policies: PolicyStore },
  db: Db,
  orgId: string,
  portfolioText: string,
): Promise<void> {
  await ensureOrganisation(db, { id: orgId, name: orgId, at: '2026-01-01T00:00:00.000Z' });
  await deps.policies.save(orgId, benchPolicy(), 'test', '2026-01-01T00:00:00.000Z');
  await importJsonPortfolio(deps, {
    orgId,
    fileName: 'bench.json',
    text: portfolioText,
    format: 'json',
    actor: 'test',
  });
}

/**
 * Fees are effects too: dispatching an approved fee posts it to the lease's ledger as a
 * `fee` charge whose id is the outbox key (so a repeated post is a no-op, and the
 * evaluator recognises the fee it planned). A waiver is a credit applied to that charge.
 */
import { InputError } from '../domain/errors.js';
import { epochToLocal } from '../domain/time.js';
import type { Clock } from './ports/clock.js';
import type { OutboxStore, Sender } from './ports/outbox.js';
import type { PortfolioStore } from './ports/portfolio.js';

export interface FeeDeps {
  clock: Clock;
  portfolio: PortfolioStore;
}

async function localToday(deps: FeeDeps, orgId: string, leaseId: string): Promise<string> {
  const slice = await deps.portfolio.loadPortfolio(orgId, [leaseId]);
  const lease = slice.leases[0];
  const tz = slice.properties.find((p) => p.id === lease?.propertyId)?.timezone ?? 'UTC';
  return epochToLocal(deps.clock.now(), tz).date;
}

/** The sender for `type: fee` items: posts the charge to the stored ledger. */
export function feePoster(deps: FeeDeps): Sender {
  return {
    id: 'ledger',
    idempotent: true,
    async send(item) {
      if (item.amountCents === null || item.amountCents <= 0)
        return { tag: 'rejected', code: 'no_amount', reason: 'the fee has no amount' };
      const date = await localToday(deps, item.orgId, item.leaseId);
      const at = new Date(deps.clock.now()).toISOString();
      await deps.portfolio.addLedgerEntries(
        item.orgId,
        [
          {
            id: item.key,
            leaseId: item.leaseId,
            date,
            type: 'charge',
            category: 'fee',
            amountCents: item.amountCents,
            dueDate: date,
            memo: `${item.stage}: ${item.action}`,
          },
        ],
        { source: 'engine', actor: 'worker:ledger', at },
      );
      return { tag: 'accepted', externalId: item.key };
    },
  };
}

export interface WaiveResult {
  key: string;
  /** `cancelled` when the fee had not been posted yet, `credited` when it was. */
  outcome: 'cancelled' | 'credited';
  amountCents: number;
}

/** `arrears fee waive KEY --reason R`. */
export async function waiveFee<Tx>(
  deps: FeeDeps & { outbox: OutboxStore<Tx> },
  orgId: string,
  key: string,
  reason: string,
  actor: string,
): Promise<WaiveResult> {
  const item = await deps.outbox.get(orgId, key);
  if (!item || item.type !== 'fee')
    throw new InputError([
      {
        path: 'KEY',
        message: `no fee has key \`${key}\`; see \`arrears outbox --json\` for fee keys`,
      },
    ]);
  const amountCents = item.amountCents ?? 0;
  if (item.status === 'draft' || item.status === 'approved') {
    await deps.outbox.transaction((tx) =>
      deps.outbox.transition(tx, orgId, key, 'cancelled', { actor, reason: `waived: ${reason}` }),
    );
    return { key, outcome: 'cancelled', amountCents };
  }
  if (item.status !== 'sent' && item.status !== 'delivered')
    throw new InputError([
      {
        path: 'KEY',
        message: `the fee \`${key}\` is ${item.status}; only a fee not yet posted or a posted one can be waived`,
      },
    ]);
  const at = new Date(deps.clock.now()).toISOString();
  const date = await localToday(deps, orgId, item.leaseId);
  await deps.portfolio.addLedgerEntries(
    orgId,
    [
      {
        id: `waive:${key}`,
        leaseId: item.leaseId,
        date,
        type: 'credit',
        category: 'fee',
        amountCents,
        appliesTo: key,
        memo: `fee waived: ${reason}`,
      },
    ],
    { source: 'cli', actor, at },
  );
  return { key, outcome: 'credited', amountCents };
}

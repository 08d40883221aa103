/**
 * Recording a payment received outside an import (a check at the office, a money order):
 * a `payment` ledger entry posted through the portfolio store's `addLedgerEntries`, which
 * writes it and its `ledger.posted` audit entry in one transaction and keeps an id it
 * already has. So a payment is idempotent on its id: posting the same payment again
 * changes nothing and says so, while reusing an id for a different entry is a conflict.
 * The lease is marked changed, so the next scan re-evaluates it (a paid case closes then).
 */
import { AppError, InputError } from '../domain/errors.js';
import type { LedgerEntry } from '../domain/portfolio/schema.js';
import { epochToLocal } from '../domain/time.js';
import { visibleLease, noLease, type Visibility } from './lease-access.js';
import type { Clock } from './ports/clock.js';
import type { PortfolioStore } from './ports/portfolio.js';

export interface PaymentDeps {
  clock: Clock;
  portfolio: Pick<PortfolioStore, 'loadPortfolio' | 'addLedgerEntries'>;
}

export interface PaymentInput {
  leaseId: string;
  /** The ledger entry id: the idempotency key of the payment. */
  id: string;
  amountCents: number;
  /** Local date the payment was received (not after the property's today). */
  date: string;
  memo?: string;
}

export interface PaymentResult {
  entry: LedgerEntry;
  /** False when a payment with this id and the same content was already recorded. */
  recorded: boolean;
}

const same = (a: LedgerEntry, b: LedgerEntry) =>
  a.leaseId === b.leaseId &&
  a.type === b.type &&
  a.amountCents === b.amountCents &&
  a.date === b.date &&
  (a.memo ?? null) === (b.memo ?? null);

export async function recordPayment(
  deps: PaymentDeps,
  v: Visibility,
  input: PaymentInput,
  actor: string,
  source = 'http',
): Promise<PaymentResult> {
  const found = await visibleLease(deps.portfolio, v, input.leaseId);
  if (!found) throw new AppError('not_found', noLease(input.leaseId));
  const nowMs = deps.clock.now();
  const today = epochToLocal(nowMs, found.property?.timezone ?? 'UTC').date;
  if (input.date > today)
    throw new InputError([
      {
        path: 'date',
        message: `${input.date} is after today (${today} at the property); record a payment once it is received`,
      },
    ]);
  const entry: LedgerEntry = {
    id: input.id,
    leaseId: input.leaseId,
    date: input.date,
    type: 'payment',
    amountCents: input.amountCents,
    ...(input.memo !== undefined ? { memo: input.memo } : {}),
  };
  const conflict = () =>
    new AppError(
      'conflict',
      `ledger entry ${input.id} already exists with other content; use a new id for a new payment`,
    );
  const existing = found.portfolio.ledger.find((e) => e.id === input.id);
  if (existing) {
    if (!same(existing, entry)) throw conflict();
    return { entry: existing, recorded: false };
  }
  const at = new Date(nowMs).toISOString();
  const result = await deps.portfolio.addLedgerEntries(v.orgId, [entry], { source, actor, at });
  if ((result.counts.ledger?.inserted ?? 0) === 0) {
    // Kept, not inserted: a concurrent post of the same payment won, or the id belongs to
    // an entry of another lease.
    const again = await deps.portfolio.loadPortfolio(v.orgId, [input.leaseId]);
    const stored = again.ledger.find((e) => e.id === input.id);
    if (stored && same(stored, entry)) return { entry: stored, recorded: false };
    throw conflict();
  }
  return { entry, recorded: true };
}

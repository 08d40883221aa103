import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../errors.js';
import {
  assertTransition,
  canTransition,
  initialStatus,
  OPEN_STATUSES,
  OUTBOX_STATUSES,
  OutboxTransitionError,
  TERMINAL_STATUSES,
  TRANSITIONS,
  WHO,
  whoOf,
  type OutboxStatus,
  type Who,
} from './states.js';

/** The table as `from → to: who, who`, sorted: a change to it shows up here in review. */
const EXPECTED = [
  'approved → cancelled: system, user',
  'approved → dispatching: worker',
  'approved → draft: system, user',
  'approved → expired: system',
  'approved → rejected: user',
  'approved → skipped: system',
  'dispatching → approved: system, worker',
  'dispatching → cancelled: worker',
  'dispatching → draft: worker',
  'dispatching → failed: worker',
  'dispatching → sent: worker',
  'dispatching → skipped: worker',
  'dispatching → unknown: system, worker',
  'draft → approved: user',
  'draft → cancelled: system, user',
  'draft → expired: system',
  'draft → rejected: user',
  'draft → skipped: system',
  'sent → delivered: provider',
  'sent → failed: provider',
  'unknown → approved: user',
  'unknown → cancelled: user',
  'unknown → delivered: provider',
  'unknown → failed: provider, user',
  'unknown → sent: provider, user, worker',
];

describe('outbox transition table', () => {
  it('is exactly the documented table', () => {
    const grouped = new Map<string, Who[]>();
    for (const t of TRANSITIONS) {
      const k = `${t.from} → ${t.to}`;
      grouped.set(k, [...(grouped.get(k) ?? []), t.who]);
    }
    const lines = [...grouped].map(([k, who]) => `${k}: ${[...who].sort().join(', ')}`).sort();
    expect(lines).toEqual(EXPECTED);
  });

  it('has no duplicate rows, no self-loops and only known statuses', () => {
    const seen = new Set(TRANSITIONS.map((t) => `${t.from}/${t.to}/${t.who}`));
    expect(seen.size).toBe(TRANSITIONS.length);
    for (const t of TRANSITIONS) {
      expect(t.from).not.toBe(t.to);
      expect(OUTBOX_STATUSES).toContain(t.from);
      expect(OUTBOX_STATUSES).toContain(t.to);
      expect(WHO).toContain(t.who);
      expect(t.when.length).toBeGreaterThan(5);
    }
  });

  it('every (from, to, who) outside the table is refused with a typed error', () => {
    let allowed = 0;
    for (const from of OUTBOX_STATUSES)
      for (const to of OUTBOX_STATUSES)
        for (const who of WHO) {
          const inTable = TRANSITIONS.some((t) => t.from === from && t.to === to && t.who === who);
          expect(canTransition(from, to, who)).toBe(inTable);
          if (inTable) {
            allowed++;
            expect(() => assertTransition(from, to, who)).not.toThrow();
          } else {
            let error: unknown;
            try {
              assertTransition(from, to, who, 'L1:1:s:a');
            } catch (e) {
              error = e;
            }
            expect(error).toBeInstanceOf(OutboxTransitionError);
            const e = error as OutboxTransitionError;
            expect([e.from, e.to, e.who, e.code]).toEqual([from, to, who, 'conflict']);
            expect(e.message).toContain(`L1:1:s:a cannot go from ${from} to ${to} by a ${who}`);
            expect(ERROR_CATALOGUE[e.code].exit).toBe(1);
          }
        }
    expect(allowed).toBe(TRANSITIONS.length);
  });

  it('without a who, any row of the pair is enough', () => {
    for (const from of OUTBOX_STATUSES)
      for (const to of OUTBOX_STATUSES)
        expect(canTransition(from, to)).toBe(
          TRANSITIONS.some((t) => t.from === from && t.to === to),
        );
  });

  it('the transitions the issue names are there, and approved → approved is not', () => {
    const must: [OutboxStatus, OutboxStatus, Who][] = [
      ['dispatching', 'approved', 'system'], // claim expired, idempotent provider
      ['dispatching', 'unknown', 'system'], // claim expired, non-idempotent provider
      ['approved', 'draft', 'system'], // balance_changed
      ['draft', 'cancelled', 'system'], // paid / closed
      ['approved', 'cancelled', 'system'],
      ['dispatching', 'skipped', 'worker'], // lost consent at dispatch
    ];
    for (const [from, to, who] of must) expect(canTransition(from, to, who)).toBe(true);
    expect(canTransition('approved', 'approved')).toBe(false);
    expect(() => assertTransition('approved', 'approved')).toThrow(
      'cannot go from approved to approved',
    );
    // A worker cannot approve, a user cannot claim, nothing leaves a final status.
    expect(canTransition('draft', 'approved', 'worker')).toBe(false);
    expect(canTransition('approved', 'dispatching', 'user')).toBe(false);
    expect(canTransition('failed', 'approved')).toBe(false);
    expect(canTransition('unknown', 'dispatching')).toBe(false);
  });

  it('rejects statuses that do not exist', () => {
    expect(() => assertTransition('draft', 'sending')).toThrow(OutboxTransitionError);
    expect(() => assertTransition('queued', 'approved')).toThrow('cannot go from queued');
  });

  it('knows terminal, open and initial statuses', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(
      ['cancelled', 'delivered', 'expired', 'failed', 'rejected', 'skipped'].sort(),
    );
    expect(OPEN_STATUSES).toEqual(['draft', 'approved', 'dispatching', 'unknown']);
    expect(initialStatus(0)).toBe('approved');
    expect(initialStatus(1)).toBe('draft');
    expect(initialStatus(2)).toBe('draft');
    // Every status is reachable from an initial one.
    const reached = new Set<OutboxStatus>(['draft', 'approved']);
    for (let changed = true; changed;) {
      changed = false;
      for (const t of TRANSITIONS)
        if (reached.has(t.from) && !reached.has(t.to)) {
          reached.add(t.to);
          changed = true;
        }
    }
    expect([...reached].sort()).toEqual([...OUTBOX_STATUSES].sort());
  });

  it('derives who from the actor', () => {
    expect(whoOf('user:42')).toBe('user');
    expect(whoOf('worker:host:1:ab')).toBe('worker');
    expect(whoOf('provider:twilio')).toBe('provider');
    expect(whoOf('system:scan')).toBe('system');
    expect(whoOf('scan')).toBe('system');
  });
});

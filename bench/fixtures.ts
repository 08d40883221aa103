/**
 * Synthetic leases for benchmarks: about 12 ledger entries each with partial payments,
 * a reversal, holds and send-window deferrals, under an 8-stage policy.
 */
import { addDays } from '../src/domain/dates.js';
import { policy as policySchema, type Policy } from '../src/domain/policy/schema.js';
import { portfolio as portfolioSchema, type Portfolio } from '../src/domain/portfolio/schema.js';

/** A small deterministic PRNG: benchmarks must be repeatable. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function benchPolicy(): Policy {
  const sms = (id: string, template: string) => ({
    id,
    type: 'message',
    channel: 'sms',
    template,
    fallback: 'email',
  });
  return policySchema.parse({
    id: 'bench',
    quietDays: ['sunday'],
    reversal: { anchorStage: 'late-fee' },
    stages: [
      { id: 'reminder', day: 2, actions: [sms('sms', 'reminder')] },
      {
        id: 'late-fee',
        day: 5,
        actions: [{ id: 'fee', type: 'fee', amountCents: 5000 }, sms('sms', 'late-notice')],
      },
      {
        id: 'call',
        day: 8,
        actions: [
          { id: 'call', type: 'task', title: 'Collection call', assignee: 'role:collections' },
        ],
      },
      {
        id: 'notice',
        day: 12,
        actions: [
          {
            id: 'doc',
            type: 'document',
            template: 'past-due-notice',
            delivery: ['email', 'first_class'],
          },
        ],
      },
      { id: 'lockout', day: 15, actions: [{ id: 'portal', type: 'access', deny: ['portal'] }] },
      { id: 'final', day: 20, actions: [sms('sms', 'final-notice')] },
      {
        id: 'pay-or-quit',
        day: 25,
        required: true,
        actions: [
          {
            id: 'doc',
            type: 'document',
            template: 'pay-or-quit-notice',
            delivery: ['certified_mail'],
          },
        ],
      },
      {
        id: 'legal',
        day: 35,
        when: { minRentPastDueCents: 10000 },
        actions: [{ id: 'handoff', type: 'escalate', to: 'legal' }],
      },
    ],
  });
}

export type BenchMix = 'typical' | 'stress';

export function benchPortfolio(leases: number, mix: BenchMix = 'typical', seed = 42): Portfolio {
  const rnd = prng(seed);
  const properties = [
    {
      id: 'P-LA',
      name: 'Oak Court',
      timezone: 'America/Los_Angeles',
      jurisdiction: 'US-CA',
      kind: 'residential',
      runAt: '09:00',
    },
    {
      id: 'P-NY',
      name: 'Elm House',
      timezone: 'America/New_York',
      jurisdiction: 'US-NY',
      kind: 'residential',
      runAt: '21:00',
    },
  ];
  const tenants: unknown[] = [];
  const leaseRows: unknown[] = [];
  const ledger: unknown[] = [];
  const events: unknown[] = [];
  for (let i = 0; i < leases; i++) {
    const id = `L${i}`;
    const rent = 80000 + Math.floor(rnd() * 200000);
    tenants.push({
      id: `T${i}`,
      name: `Tenant ${i}`,
      phone: `+1415555${String(i % 10000).padStart(4, '0')}`,
      email: `t${i}@example.com`,
      address: `${i} Main St`,
      consent: { sms: rnd() > 0.2, email: true, eNotices: rnd() > 0.5 },
    });
    leaseRows.push({
      id,
      propertyId: i % 2 ? 'P-NY' : 'P-LA',
      unit: String(i),
      tenantIds: [`T${i}`],
      rentCents: rent,
    });
    // `typical`: most tenants pay on time, some late, a few partly or not at all (about
    // one lease in five has a case open on a given day). `stress`: every month has a 30%
    // chance of going unpaid, so nearly every lease is deep in arrears and catches up.
    const profile = rnd();
    for (let m = 0; m < 6; m++) {
      const due = `2026-${String(6 + m).padStart(2, '0')}-01`;
      ledger.push({
        id: `${id}-C${m}`,
        leaseId: id,
        date: due,
        type: 'charge',
        category: 'rent',
        amountCents: rent,
        dueDate: due,
      });
      const r = rnd();
      let pay: { after: number; cents: number } | undefined;
      if (mix === 'stress') {
        if (r < 0.7)
          pay = { after: Math.floor(rnd() * 20), cents: r < 0.5 ? rent : Math.floor(rent / 2) };
      } else if (profile < 0.8) pay = { after: Math.floor(rnd() * 4), cents: rent };
      else if (profile < 0.92) pay = { after: 5 + Math.floor(rnd() * 16), cents: rent };
      else if (profile < 0.97) pay = { after: Math.floor(rnd() * 10), cents: Math.floor(rent / 2) };
      else if (m < 4) pay = { after: 0, cents: rent };
      if (pay)
        ledger.push({
          id: `${id}-P${m}`,
          leaseId: id,
          date: addDays(due, pay.after),
          type: 'payment',
          amountCents: pay.cents,
        });
    }
    if (rnd() < 0.1)
      ledger.push({
        id: `${id}-R`,
        leaseId: id,
        date: '2026-10-20',
        type: 'reversal',
        amountCents: 1,
        reverses: `${id}-P3`,
      });
    if (rnd() < 0.15)
      events.push({ leaseId: id, date: '2026-10-09', type: 'promise', until: '2026-10-16' });
    if (rnd() < 0.05)
      events.push(
        { leaseId: id, date: '2026-09-12', type: 'dispute' },
        { leaseId: id, date: '2026-09-25', type: 'release', hold: 'dispute' },
      );
  }
  // Reversals must reverse a payment that exists.
  const ids = new Set((ledger as { id: string }[]).map((e) => e.id));
  const cleanLedger = (ledger as { type: string; reverses?: string }[]).filter(
    (e) => e.type !== 'reversal' || ids.has(e.reverses!),
  );
  return portfolioSchema.parse({
    properties,
    tenants,
    leases: leaseRows,
    ledger: cleanLedger,
    events,
  });
}

import { describe, expect, it } from 'vitest';
import {
  checkGate,
  gateKindOf,
  gateRefusal,
  type GateAttestation,
  type GateFacts,
  type GateItem,
  type GateKind,
} from './gate.js';

const NOTICE = 'S-1:1:pre-lien-notice:notice';

function attestation(item: string, role = 'manager'): GateAttestation {
  return {
    item,
    userId: `u-${role}`,
    email: `${role}@example.com`,
    role,
    at: '2026-11-20T17:00:00.000Z',
    evidence: `${item} evidence`,
  };
}

/** Facts on which every item passes. */
function passing(kind: GateKind): GateFacts {
  return {
    kind,
    key: kind === 'auction' ? 'S-1:1:lien-sale:sale' : 'S-1:1:legal:escalate',
    today: '2026-11-20',
    lease: { id: 'S-1', tenantIds: ['T-1'] },
    tenants: [{ id: 'T-1' }],
    noticeStages: ['pre-lien-notice'],
    notices: [
      {
        key: NOTICE,
        stage: 'pre-lien-notice',
        proofs: [
          {
            id: `${NOTICE}@ltr_1`,
            status: 'delivered',
            servedOn: '2026-10-16',
            trackingNumber: '9407001',
            deadline: '2026-11-02',
          },
        ],
      },
    ],
    payments: [{ id: 'P-09', date: '2026-09-01', amountCents: 19500 }],
    attestations: [
      attestation('address_verified', 'collections'),
      attestation('military_checked', 'legal'),
      attestation('manager_signoff', 'manager'),
    ],
  };
}

const without = (f: GateFacts, item: string): GateFacts => ({
  ...f,
  attestations: f.attestations.filter((a) => a.item !== item),
});

/** For each item: facts missing it, then the same facts once it is recorded. */
const CASES: Record<GateItem, (f: GateFacts) => { missing: GateFacts; recorded: GateFacts }> = {
  lease_valid: (f) => ({ missing: { ...f, lease: null }, recorded: f }),
  address_verified: (f) => ({ missing: without(f, 'address_verified'), recorded: f }),
  notices_served: (f) => {
    const returned: GateFacts = {
      ...f,
      notices: f.notices.map((n) => ({
        ...n,
        proofs: n.proofs.map((p) => ({ ...p, status: 'returned' as const })),
      })),
    };
    return { missing: returned, recorded: f };
  },
  periods_elapsed: (f) => ({ missing: { ...f, today: '2026-11-02' }, recorded: f }),
  no_partial_payment: (f) => {
    const paid = {
      ...f,
      payments: [...f.payments, { id: 'P-10', date: '2026-10-20', amountCents: 5000 }],
    };
    return {
      missing: paid,
      recorded: {
        ...paid,
        attestations: [...paid.attestations, attestation('partial_payment_cleared', 'finance')],
      },
    };
  },
  military_checked: (f) => ({ missing: without(f, 'military_checked'), recorded: f }),
  manager_signoff: (f) => ({
    missing: {
      ...without(f, 'manager_signoff'),
      // A sign-off by someone who is not a manager or admin does not count.
      attestations: [
        ...without(f, 'manager_signoff').attestations,
        attestation('manager_signoff', 'collections'),
      ],
    },
    recorded: f,
  }),
};

describe('gateKindOf', () => {
  it('gates auctions and escalations to legal only', () => {
    expect(gateKindOf({ type: 'auction', payload: {} })).toBe('auction');
    expect(gateKindOf({ type: 'escalate', payload: { to: 'legal' } })).toBe('eviction_filing');
    expect(gateKindOf({ type: 'escalate', payload: { to: 'collections_agency' } })).toBeNull();
    expect(gateKindOf({ type: 'document', payload: {} })).toBeNull();
  });
});

for (const kind of ['auction', 'eviction_filing'] as const) {
  describe(`the ${kind} gate`, () => {
    it('passes when every item is recorded', () => {
      const r = checkGate(passing(kind));
      expect(r.missing).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.items.map((i) => i.item)).toEqual(Object.keys(CASES));
    });

    for (const [item, make] of Object.entries(CASES) as [GateItem, (typeof CASES)[GateItem]][]) {
      it(`${item}: refuses while it is missing, passes once it is recorded`, () => {
        const { missing, recorded } = make(passing(kind));
        const refused = checkGate(missing);
        expect(refused.ok).toBe(false);
        expect(refused.items.filter((i) => !i.ok).map((i) => i.item)).toContain(item);
        const failing = refused.items.find((i) => i.item === item)!;
        expect(refused.missing).toContain(failing.detail);
        expect(gateRefusal(refused)).toContain(failing.detail);
        const passed = checkGate(recorded);
        expect(passed.items.find((i) => i.item === item)).toMatchObject({ ok: true });
        expect(passed.ok).toBe(true);
      });
    }
  });
}

describe('details', () => {
  it('names the notice whose period still runs, and the proof evidence', () => {
    const f = passing('auction');
    const r = checkGate({ ...f, today: '2026-10-30' });
    expect(r.missing).toEqual([`Periods: the period of ${NOTICE} runs until 2026-11-02.`]);
    const served = r.items.find((i) => i.item === 'notices_served')!;
    expect(served.evidence).toEqual([
      `proof ${NOTICE}@ltr_1 (delivered, tracking 9407001, mailed 2026-10-16)`,
    ]);
  });

  it('a tenant in military service fails even with a check attested: a court order is needed', () => {
    const f = passing('eviction_filing');
    const r = checkGate({ ...f, tenants: [{ id: 'T-1', military: true }] });
    expect(r.missing).toEqual([
      'Military: tenant T-1 is in military service; the filing needs a court order (SCRA).',
    ]);
  });

  it('a required notice stage that never sent anything fails, as does an ended lease', () => {
    const f = passing('auction');
    const r = checkGate({
      ...f,
      noticeStages: ['pre-lien-notice', 'lien-notice'],
      lease: { id: 'S-1', tenantIds: ['T-1'], endDate: '2026-11-01' },
    });
    expect(r.items.filter((i) => !i.ok).map((i) => i.item)).toEqual([
      'lease_valid',
      'notices_served',
      'periods_elapsed',
    ]);
    expect(r.missing[0]).toBe('Lease: lease S-1 ended on 2026-11-01.');
    expect(r.missing[1]).toBe('Notices: the lien-notice notice was never sent.');
  });

  it('without any statutory notice, nothing is served and no period has run', () => {
    const r = checkGate({ ...passing('auction'), noticeStages: [], notices: [] });
    expect(r.items.filter((i) => !i.ok).map((i) => i.item)).toEqual([
      'notices_served',
      'periods_elapsed',
    ]);
  });
});

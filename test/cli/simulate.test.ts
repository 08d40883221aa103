/**
 * `arrears simulate` and `arrears policy preview` as SPEC 9 describes them, and the
 * bad-input contract: every error names the file and path, exit code 2, nothing written.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workDir } from '../support/cli.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');

const PROPERTY = {
  id: 'P1',
  name: 'Oak Court',
  timezone: 'America/Los_Angeles',
  jurisdiction: 'US-CA',
  kind: 'residential',
  ownerId: 'O1',
};
const TENANT = {
  id: 'T1',
  name: 'Ana Ruiz',
  phone: '+14155550101',
  consent: { sms: true, email: true, voice: true, eNotices: true },
};
const LEASE = {
  id: 'L1',
  propertyId: 'P1',
  unit: '12B',
  spaceType: 'apartment',
  tenantIds: ['T1'],
  rentCents: 150000,
};
const RENT = {
  id: 'C1',
  leaseId: 'L1',
  date: '2026-10-01',
  type: 'charge',
  category: 'rent',
  amountCents: 150000,
  dueDate: '2026-10-01',
};

function portfolioJson(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    properties: [PROPERTY],
    tenants: [TENANT],
    leases: [LEASE],
    ledger: [RENT],
    ...over,
  });
}

const POLICY = `id: residential-ca
appliesTo: {jurisdiction: US-CA, kind: residential}
stages:
  - id: late-notice
    day: 5
    actions:
      - {id: sms, type: message, channel: sms, template: late-notice}
`;

describe('arrears simulate', () => {
  it('prints the SPEC 9 JSON document: from, to, actions, episodes, events', async () => {
    const w = workDir();
    w.write(
      'p.json',
      portfolioJson({
        ledger: [
          RENT,
          { id: 'P1', leaseId: 'L1', date: '2026-10-12', type: 'payment', amountCents: 150000 },
        ],
      }),
    );
    w.write('policy.yaml', POLICY);
    const r = await w.run(
      'simulate',
      '--portfolio',
      'p.json',
      '--policy',
      'policy.yaml',
      '--from',
      '2026-10-01',
      '--to',
      '2026-10-31',
      '--json',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['from', 'to', 'actions', 'episodes', 'events']);
    expect(doc.actions).toEqual([
      expect.objectContaining({
        leaseId: 'L1',
        episode: 1,
        stage: 'late-notice',
        action: 'sms',
        type: 'message',
        channel: 'sms',
        date: '2026-10-06',
        at: '2026-10-06T16:00:00Z',
        status: 'due',
        reason: null,
        key: 'L1:1:late-notice:sms',
      }),
    ]);
    expect(doc.episodes).toEqual([
      expect.objectContaining({
        leaseId: 'L1',
        episode: 1,
        opened: '2026-10-02',
        anchor: '2026-10-01',
        closed: '2026-10-12',
        outcome: 'paid',
      }),
    ]);
  });

  it('prints a readable table by default', async () => {
    const w = workDir();
    w.write('p.json', portfolioJson());
    w.write('policy.yaml', POLICY);
    const r = await w.run(
      'simulate',
      '--portfolio',
      'p.json',
      '--policy',
      'policy.yaml',
      '--from',
      '2026-10-01',
      '--to',
      '2026-10-31',
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('2026-10-06');
    expect(r.out).toMatch(/L1\s+12B\s+1\s+late-notice\s+sms/);
  });

  it('warns on stderr about leases no policy applies to', async () => {
    const w = workDir();
    w.write('p.json', portfolioJson());
    w.write('policy.yaml', POLICY.replace('US-CA', 'US-TX'));
    const r = await w.run(
      'simulate',
      '--portfolio',
      'p.json',
      '--policy',
      'policy.yaml',
      '--from',
      '2026-10-01',
      '--to',
      '2026-10-31',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.err).toContain('lease L1');
  });
});

describe('bad input: a clear message naming file and path, exit code 2', () => {
  async function simulateWith(portfolio: string, policy = POLICY) {
    const w = workDir();
    w.write('p.json', portfolio);
    w.write('policy.yaml', policy);
    return w.run(
      'simulate',
      '--portfolio',
      'p.json',
      '--policy',
      'policy.yaml',
      '--from',
      '2026-10-01',
      '--to',
      '2026-10-31',
      '--json',
    );
  }

  it('malformed JSON', async () => {
    const r = await simulateWith('{"properties": [');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/p\.json/);
  });

  it('malformed YAML', async () => {
    const r = await simulateWith(portfolioJson(), 'id: x\nstages: [\n  - id: a\n   day: 3');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/policy\.yaml/);
  });

  it('negative and fractional cents', async () => {
    const r = await simulateWith(
      portfolioJson({
        ledger: [
          { ...RENT, amountCents: -5 },
          { ...RENT, id: 'C2', amountCents: 10.5 },
        ],
      }),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/p\.json: ledger\[0\]\.amountCents|ledger\/0\/amountCents|C1/);
    expect(r.err).toMatch(/C2|ledger\[1\]/);
  });

  it('unknown timezone', async () => {
    const r = await simulateWith(
      portfolioJson({ properties: [{ ...PROPERTY, timezone: 'America/Springfield' }] }),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('America/Springfield');
    expect(r.err).toMatch(/properties\[0\]\.timezone|P1/);
  });

  it('duplicate ids', async () => {
    const r = await simulateWith(portfolioJson({ ledger: [RENT, { ...RENT }] }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/duplicate/i);
    expect(r.err).toContain('C1');
  });

  it('a charge without a due date', async () => {
    const { dueDate: _d, ...noDue } = RENT;
    const r = await simulateWith(portfolioJson({ ledger: [noDue] }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/dueDate/);
  });

  it('a stage referencing a missing template', async () => {
    const r = await simulateWith(
      portfolioJson(),
      POLICY.replace('template: late-notice', 'template: no-such-template'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('no-such-template');
    expect(r.err).toMatch(/late-notice/);
  });

  it('a template of the wrong kind (a document template on a message)', async () => {
    const r = await simulateWith(
      portfolioJson(),
      POLICY.replace('template: late-notice', 'template: pre-lien-notice'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('pre-lien-notice');
  });

  it('unknown keys', async () => {
    const r = await simulateWith(portfolioJson({ lesaes: [] }));
    expect(r.code).toBe(2);
    expect(r.err).toContain('lesaes');
  });

  it('a bad date flag', async () => {
    const w = workDir();
    w.write('p.json', portfolioJson());
    w.write('policy.yaml', POLICY);
    const r = await w.run(
      'simulate',
      '--portfolio',
      'p.json',
      '--policy',
      'policy.yaml',
      '--from',
      '2026-10-01',
      '--to',
      '2026-02-30',
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('--to');
  });

  it('reports every error at once', async () => {
    const r = await simulateWith(
      portfolioJson({
        ledger: [
          { ...RENT, amountCents: -1 },
          { ...RENT, id: 'C2', amountCents: 0.5 },
          { ...RENT, id: 'C3', leaseId: 'L9' },
        ],
      }),
    );
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error')).length).toBeGreaterThanOrEqual(3);
  });
});

describe('shipped examples', () => {
  const policies = readdirSync(join(EXAMPLES, 'policies')).filter((f) => /\.ya?ml$/.test(f));

  it('ships four policies', () => expect(policies.length).toBeGreaterThanOrEqual(4));

  for (const file of policies) {
    it(`policy validate ${file}`, async () => {
      const w = workDir();
      const r = await w.run('policy', 'validate', join(EXAMPLES, 'policies', file), '--json');
      expect(JSON.parse(r.out)).toMatchObject({ valid: true, errors: [] });
      expect(r.code).toBe(0);
    });

    it(`policy preview ${file} against its portfolio`, async () => {
      const w = workDir();
      const portfolio = join(EXAMPLES, 'portfolios', file.replace(/\.ya?ml$/, '.json'));
      const r = await w.run(
        'policy',
        'preview',
        join(EXAMPLES, 'policies', file),
        '--portfolio',
        portfolio,
        '--at',
        '2026-10-20',
        '--json',
      );
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out);
      expect(doc.at).toBe('2026-10-20');
      expect(doc.leases.length).toBeGreaterThan(0);
      for (const l of doc.leases) expect(l.policy).not.toBeNull();
    });
  }
});

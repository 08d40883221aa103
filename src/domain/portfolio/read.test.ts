import { describe, expect, it } from 'vitest';
import { InputError, type InputIssue } from '../errors.js';
import { parsePortfolio, portfolioFromValue } from './read.js';

const FILE = 'portfolio.json';

type Row = Record<string, unknown>;
interface Fixture {
  properties: Row[];
  tenants: Row[];
  leases: Row[];
  ledger: Row[];
  [section: string]: unknown;
}

function base(): Fixture {
  return {
    properties: [
      {
        id: 'P1',
        name: 'Oak Court',
        timezone: 'America/Los_Angeles',
        jurisdiction: 'US-CA',
        kind: 'residential',
        ownerId: 'O1',
      },
    ],
    tenants: [
      {
        id: 'T1',
        name: 'Ana Ruiz',
        email: 'ana@example.com',
        phone: '+14155550101',
        consent: { sms: true, email: true, voice: true },
      },
    ],
    leases: [
      {
        id: 'L1',
        propertyId: 'P1',
        unit: '12B',
        spaceType: 'apartment',
        tenantIds: ['T1'],
        rentCents: 150000,
      },
    ],
    ledger: [
      {
        id: 'C1',
        leaseId: 'L1',
        date: '2026-10-01',
        type: 'charge',
        category: 'rent',
        amountCents: 150000,
        dueDate: '2026-10-01',
      },
      { id: 'P9', leaseId: 'L1', date: '2026-10-12', type: 'payment', amountCents: 150000 },
    ],
  };
}

function errorsOf(value: unknown): InputIssue[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  try {
    parsePortfolio(text, FILE);
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error('expected an InputError');
}

function only(value: unknown): InputIssue {
  const found = errorsOf(value);
  expect(found, JSON.stringify(found, null, 2)).toHaveLength(1);
  return found[0] as InputIssue;
}

describe('parsePortfolio', () => {
  it('parses the SPEC 3.1 example and applies defaults', () => {
    const p = parsePortfolio(
      JSON.stringify({
        ...base(),
        events: [
          {
            leaseId: 'L1',
            date: '2026-10-07',
            type: 'reply',
            channel: 'sms',
            text: "I'll pay Friday",
          },
          {
            leaseId: 'L1',
            date: '2026-10-08',
            type: 'promise',
            amountCents: 150000,
            until: '2026-10-16',
          },
        ],
      }),
      FILE,
    );
    expect(p.currency).toBe('USD');
    expect(p.properties[0]?.runAt).toBe('09:00');
    expect(p.tenants[0]?.language).toBe('en');
    expect(p.cases).toEqual([]);
    expect(p.events).toHaveLength(2);
  });

  it('accepts a byte-order mark', () => {
    expect(parsePortfolio(`\uFEFF${JSON.stringify(base())}`, FILE).leases).toHaveLength(1);
  });

  it('reports malformed JSON once, with line and column', () => {
    const issue = only('{\n  "properties": [\n    {"id": "P1",}\n  ]\n}');
    expect(issue).toEqual({
      file: FILE,
      path: 'line 3, column 17',
      message: 'not valid JSON: a comma before `}`: remove the trailing comma',
    });
  });

  it('reports a truncated file', () => {
    const issue = only('{"properties": [');
    expect(issue.message).toContain('the file ends');
    expect(issue.path).toBe('line 1, column 17');
  });

  it('reports an empty file', () => {
    expect(only('  ').message).toContain('the file is empty');
  });

  it('requires an object at the top level', () => {
    const issue = only('[]');
    expect(issue.path).toBe('(top level)');
    expect(issue.message).toContain('must contain a portfolio');
  });

  it('rejects negative cents', () => {
    const p = base();
    (p.leases[0] as Record<string, unknown>).rentCents = -100;
    const issue = only(p);
    expect(issue.path).toBe('leases[0].rentCents');
    expect(issue.message).toContain('must not be negative');
  });

  it('rejects fractional cents', () => {
    const p = base();
    (p.ledger[0] as Record<string, unknown>).amountCents = 1500.5;
    const issue = only(p);
    expect(issue.path).toBe('ledger[0].amountCents');
    expect(issue.message).toContain('must be whole cents');
  });

  it('rejects an unknown timezone', () => {
    const p = base();
    (p.properties[0] as Record<string, unknown>).timezone = 'America/Los_Angles';
    const issue = only(p);
    expect(issue.path).toBe('properties[0].timezone');
    expect(issue.message).toContain('must be an IANA time zone');
    expect(issue.message).toContain('America/Los_Angles');
  });

  it('rejects a charge without a due date', () => {
    const p = base();
    delete (p.ledger[0] as Record<string, unknown>).dueDate;
    const issue = only(p);
    expect(issue.path).toBe('ledger[0].dueDate');
    expect(issue.message).toContain('a charge needs a dueDate');
  });

  it('rejects unknown keys and suggests the right one', () => {
    const p = base();
    (p.leases[0] as Record<string, unknown>).rentcents = 1;
    const issue = only(p);
    expect(issue.path).toBe('leases[0].rentcents');
    expect(issue.message).toBe(
      'unknown field `rentcents`: remove it or check its spelling (did you mean `rentCents`?)',
    );
  });

  it('names the allowed values of an enum', () => {
    const p = base();
    (p.properties[0] as Record<string, unknown>).kind = 'storag';
    const issue = only(p);
    expect(issue.path).toBe('properties[0].kind');
    expect(issue.message).toContain('must be one of residential, commercial, storage');
    expect(issue.message).toContain('did you mean `storage`?');
  });

  it('names an unknown event type', () => {
    const issue = only({
      ...base(),
      events: [{ leaseId: 'L1', date: '2026-10-07', type: 'text' }],
    });
    expect(issue.path).toBe('events[0].type');
    expect(issue.message).toContain('unknown event type `text`: use one of reply, delivery');
  });

  it('reports a missing required field', () => {
    const p = base();
    delete (p.leases[0] as Record<string, unknown>).rentCents;
    const issue = only(p);
    expect(issue.path).toBe('leases[0].rentCents');
    expect(issue.message).toContain('missing required field `rentCents`');
  });

  it.each([
    ['properties', 'P1', 'property'],
    ['tenants', 'T1', 'tenant'],
    ['leases', 'L1', 'lease'],
    ['ledger', 'C1', 'ledger entry'],
  ] as const)('rejects duplicate %s ids', (section, id, noun) => {
    const p = base();
    const copy = { ...(p[section][0] as Row) };
    const at = p[section].push(copy) - 1;
    const found = errorsOf(p);
    const dup = found.find((i) => i.path === `${section}[${at}].id`);
    expect(dup?.message).toBe(
      `duplicate id \`${id}\` (also at ${section}[0]): every ${noun} needs its own id; rename one or remove the repeated ${noun}`,
    );
  });

  it('rejects a lease whose property or tenant does not exist', () => {
    const p = base();
    p.leases.push({ id: 'L2', propertyId: 'P2', tenantIds: ['T1', 'T7'], rentCents: 1000 });
    const found = errorsOf(p);
    expect(found.map((i) => i.path)).toEqual(['leases[1].propertyId', 'leases[1].tenantIds[1]']);
    expect(found[0]?.message).toContain(
      'no property has id `P2` (did you mean `P1`?): add it to `properties` or fix the id',
    );
    expect(found[1]?.message).toContain('no tenant has id `T7`');
  });

  it('rejects ledger entries for unknown leases', () => {
    const p = base();
    (p.ledger[1] as Record<string, unknown>).leaseId = 'L9';
    const issue = only(p);
    expect(issue.path).toBe('ledger[1].leaseId');
    expect(issue.message).toContain('no lease has id `L9`');
  });

  it('rejects a reversal of an unknown entry', () => {
    const p = base();
    p.ledger.push({
      id: 'R1',
      leaseId: 'L1',
      date: '2026-10-14',
      type: 'reversal',
      amountCents: 150000,
      reverses: 'P8',
    });
    const issue = only(p);
    expect(issue.path).toBe('ledger[2].reverses');
    expect(issue.message).toContain('no ledger entry has id `P8` (did you mean `P9`?)');
  });

  it('rejects a reversal pointing at another lease', () => {
    const p = base();
    p.leases.push({ id: 'L2', propertyId: 'P1', tenantIds: ['T1'], rentCents: 1000 });
    p.ledger.push({
      id: 'R1',
      leaseId: 'L2',
      date: '2026-10-14',
      type: 'reversal',
      amountCents: 150000,
      reverses: 'P9',
    });
    const issue = only(p);
    expect(issue.path).toBe('ledger[2].reverses');
    expect(issue.message).toContain('which belongs to lease `L1`, not `L2`');
  });

  it('rejects an entry reversed twice', () => {
    const p = base();
    p.ledger.push({
      id: 'R1',
      leaseId: 'L1',
      date: '2026-10-14',
      type: 'reversal',
      amountCents: 150000,
      reverses: 'P9',
    });
    p.ledger.push({
      id: 'R2',
      leaseId: 'L1',
      date: '2026-10-15',
      type: 'reversal',
      amountCents: 150000,
      reverses: 'P9',
    });
    const issue = only(p);
    expect(issue.path).toBe('ledger[3].reverses');
    expect(issue.message).toContain('already reversed by ledger[2]');
  });

  it('rejects appliesTo naming an unknown entry or a non-charge', () => {
    const p = base();
    (p.ledger[1] as Record<string, unknown>).appliesTo = 'C2';
    expect(only(p)).toMatchObject({
      path: 'ledger[1].appliesTo',
      message: expect.stringContaining('no ledger entry has id `C2`'),
    });
    (p.ledger[1] as Record<string, unknown>).appliesTo = 'P9';
    expect(only(p).message).toContain('is a payment, not a charge');
  });

  it('rejects events that reference unknown leases, tenants or properties', () => {
    const found = errorsOf({
      ...base(),
      events: [
        { leaseId: 'L2', date: '2026-10-07', type: 'flag' },
        { tenantId: 'T2', date: '2026-10-07', type: 'hold', hold: 'military', scope: 'tenant' },
        { propertyId: 'P3', date: '2026-10-07', type: 'hold', hold: 'manual', scope: 'property' },
        {
          leaseId: 'L1',
          date: '2026-10-07',
          type: 'hold',
          hold: 'dispute',
          scope: 'charge',
          chargeId: 'C5',
        },
      ],
    });
    expect(found.map((i) => i.path)).toEqual([
      'events[0].leaseId',
      'events[1].tenantId',
      'events[2].propertyId',
      'events[3].chargeId',
    ]);
  });

  it('rejects a charge-scoped hold without chargeId', () => {
    const issue = only({
      ...base(),
      events: [
        { leaseId: 'L1', date: '2026-10-07', type: 'hold', hold: 'dispute', scope: 'charge' },
      ],
    });
    expect(issue).toMatchObject({
      path: 'events[0].chargeId',
      message: expect.stringContaining('needs `chargeId`'),
    });
  });

  it('rejects onboarded cases for unknown leases and repeated episodes', () => {
    const found = errorsOf({
      ...base(),
      cases: [
        { leaseId: 'L5', episode: 1, anchor: '2026-09-01' },
        { leaseId: 'L1', episode: 1, anchor: '2026-09-01' },
        { leaseId: 'L1', episode: 1, anchor: '2026-09-01' },
      ],
    });
    expect(found.map((i) => i.path)).toEqual(['cases[0].leaseId', 'cases[2].episode']);
  });

  it('reports schema and reference problems together', () => {
    const p = base();
    (p.leases[0] as Record<string, unknown>).rentCents = 'lots';
    (p.ledger[1] as Record<string, unknown>).leaseId = 'L9';
    expect(errorsOf(p).map((i) => i.path)).toEqual(['leases[0].rentCents', 'ledger[1].leaseId']);
  });

  it('caps the errors at 50', () => {
    const p = base();
    for (let i = 0; i < 80; i++)
      p.ledger.push({
        id: `X${i}`,
        leaseId: 'L1',
        date: '2026-10-01',
        type: 'charge',
        amountCents: -1,
        dueDate: '2026-10-01',
      });
    expect(errorsOf(p)).toHaveLength(50);
  });

  it('validates an already-parsed value too', () => {
    expect(portfolioFromValue(base()).leases[0]?.id).toBe('L1');
    expect(() => portfolioFromValue({ ...base(), extra: true })).toThrow(InputError);
  });
});

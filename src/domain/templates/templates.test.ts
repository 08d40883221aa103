import { describe, expect, it } from 'vitest';
import { analyzeTemplate, templateFields, TemplateSyntaxError, unknownFields } from './analyze.js';
import { formatPostalAddress, type MergeContext, MERGE_FIELDS, splitName } from './fields.js';
import {
  DOCUMENT_TEMPLATE_IDS,
  LIBRARY,
  LIBRARY_TEMPLATE_IDS,
  type LibraryTemplate,
  MESSAGE_TEMPLATE_IDS,
} from './library.js';
import { formatLongDate, formatMoney, renderTemplate, resolveTemplate } from './render.js';

function sampleContext(over: Partial<MergeContext> = {}): MergeContext {
  return {
    tenant: {
      name: 'Ana Ruiz',
      first_name: 'Ana',
      last_name: 'Ruiz',
      email: 'ana@example.com',
      phone: '+14155550101',
      language: 'en',
      address: '12B Oak Court, Oakland, CA 94607',
    },
    lease: { id: 'L1', unit: '12B', rent: 150000, space_type: 'apartment' },
    property: {
      name: 'Oak Court',
      legal_name: 'Oak Court Apartments LLC',
      address: '100 Oak St, Oakland, CA 94607',
      phone: '+15105550100',
      email: 'office@oakcourt.example',
      pay_to: {
        name: 'Oak Court Office',
        address: '100 Oak St, Oakland, CA 94607',
        hours: 'Monday to Friday, 9:00 to 17:00',
      },
      office_contact: 'Oak Court office, +15105550100',
    },
    case: {
      episode: 1,
      past_due: 152000,
      past_due_rent: 150000,
      oldest_due_date: '2026-10-01',
      days_past_due: 15,
      anchor_date: '2026-10-01',
      charges: [
        { description: 'Rent October 2026', due_date: '2026-10-01', amount: 150000 },
        { description: 'Late fee', due_date: '2026-10-06', amount: 2000 },
      ],
    },
    notice: {
      deadline: '2026-10-21',
      served_on: '2026-10-16',
      title: '3-day notice to pay rent or quit',
      period_days: 3,
      citation: 'Cal. Code Civ. Proc. §1161(2)',
      period_text:
        'within three (3) days after service of this notice, excluding Saturdays, Sundays and judicial holidays',
      statements: [
        'The termination date stated in this notice is at least 14 days after the date of mailing.',
      ],
    },
    fee: { amount: 2000 },
    promise: { amount: 150000, date: '2026-10-16' },
    plan: {
      installments: [
        { due_date: '2026-10-20', amount: 76000 },
        { due_date: '2026-11-05', amount: 76000 },
      ],
    },
    pay_link: 'https://pay.example.com/L1',
    office_contact: 'Call us at +15105550100',
    today: '2026-10-16',
    ...over,
  };
}

const ALL_KEYS = LIBRARY_TEMPLATE_IDS.flatMap((id) => [id, `${id}.es`]);

function parts(t: LibraryTemplate): [string, string][] {
  const out: [string, string][] = [['body', t.body]];
  if (t.subject !== undefined) out.push(['subject', t.subject]);
  if (t.title !== undefined) out.push(['title', t.title]);
  return out;
}

describe('the default template library', () => {
  it('has every SPEC 3.3 id in English and Spanish with the right kind', () => {
    expect([...MESSAGE_TEMPLATE_IDS, ...DOCUMENT_TEMPLATE_IDS].sort()).toEqual(
      [...LIBRARY_TEMPLATE_IDS].sort(),
    );
    for (const id of MESSAGE_TEMPLATE_IDS) {
      expect(LIBRARY[id]?.kind, id).toBe('message');
      expect(LIBRARY[`${id}.es`]?.kind, `${id}.es`).toBe('message');
      expect(LIBRARY[id]?.subject, `${id} subject`).toBeTruthy();
      expect(LIBRARY[`${id}.es`]?.subject, `${id}.es subject`).toBeTruthy();
    }
    for (const id of DOCUMENT_TEMPLATE_IDS) {
      expect(LIBRARY[id]?.kind, id).toBe('document');
      expect(LIBRARY[`${id}.es`]?.kind, `${id}.es`).toBe('document');
      expect(LIBRARY[id]?.title, `${id} title`).toBeTruthy();
      expect(LIBRARY[`${id}.es`]?.title, `${id}.es title`).toBeTruthy();
    }
    expect(Object.keys(LIBRARY).sort()).toEqual([...ALL_KEYS].sort());
  });

  it.each(ALL_KEYS)('%s parses and references only catalogue fields', (key) => {
    for (const [part, source] of parts(LIBRARY[key] as LibraryTemplate)) {
      const a = analyzeTemplate(source);
      expect(a.errors, `${key}.${part}`).toEqual([]);
      expect(a.unknown, `${key}.${part}`).toEqual([]);
    }
  });

  it.each(ALL_KEYS)('%s uses no filters but money, date and plural', (key) => {
    for (const [, source] of parts(LIBRARY[key] as LibraryTemplate)) {
      const filters = [...source.matchAll(/\|\s*([a-z_]+)/g)].map((m) => m[1]);
      for (const f of filters) expect(['money', 'date', 'plural']).toContain(f);
    }
  });

  it.each(ALL_KEYS)('%s renders a sample case completely', (key) => {
    const t = LIBRARY[key] as LibraryTemplate;
    const out = renderTemplate(t, sampleContext(), key.endsWith('.es') ? 'es' : 'en');
    for (const text of [out.body, out.subject ?? '', out.title ?? '']) {
      expect(text).not.toMatch(/undefined|\[object Object\]|\{\{|\{%|NaN/);
    }
    expect(out.body.length).toBeGreaterThan(40);
    if (t.kind === 'message') {
      expect(out.body).not.toContain('\n');
      expect(out.body.length, 'short enough for a few SMS segments').toBeLessThanOrEqual(480);
      expect(out.body).toContain('Ana');
    }
  });

  it.each(ALL_KEYS)('%s still reads well when optional fields are missing', (key) => {
    const bare = {
      tenant: { name: 'Ana Ruiz', first_name: 'Ana' },
      lease: { id: 'L1', unit: '12B', rent: 150000 },
      property: { name: 'Oak Court' },
      case: { episode: 1, past_due: 150000, past_due_rent: 150000, charges: [] },
      today: '2026-10-16',
    } satisfies MergeContext;
    const out = renderTemplate(
      LIBRARY[key] as LibraryTemplate,
      bare,
      key.endsWith('.es') ? 'es' : 'en',
    );
    expect(out.body).not.toMatch(/undefined|\[object Object\]|:\s*\.|\(\s*\)/);
  });

  it('the notice to pay rent or quit demands rent only', () => {
    for (const key of ['pay-or-quit-notice', 'pay-or-quit-notice.es']) {
      const fields = templateFields((LIBRARY[key] as LibraryTemplate).body);
      expect(fields).toContain('case.past_due_rent');
      expect(fields).not.toContain('case.past_due');
      expect(fields).not.toContain('case.charges');
      expect(fields).not.toContain('fee.amount');
    }
    const out = renderTemplate(
      LIBRARY['pay-or-quit-notice'] as LibraryTemplate,
      sampleContext(),
      'en',
    );
    expect(out.body).toContain('$1,500.00');
    expect(out.body).not.toContain('$1,520.00');
    expect(out.body).toContain('on or before October 21, 2026');
    expect(out.body).toContain('excluding Saturdays, Sundays and judicial holidays');
    expect(out.body).toContain('Monday to Friday, 9:00 to 17:00');
    expect(out.title).toBe('3-day notice to pay rent or quit');
  });

  it('itemizes charges in the pre-lien notice and prints the pack wording', () => {
    const out = renderTemplate(
      LIBRARY['pre-lien-notice'] as LibraryTemplate,
      sampleContext(),
      'en',
    );
    expect(out.body).toContain('- Rent October 2026, due October 1, 2026: $1,500.00');
    expect(out.body).toContain('- Late fee, due October 6, 2026: $20.00');
    expect(out.body).toContain('Total now due: $1,520.00');
    expect(out.body).toContain('at least 14 days after the date of mailing');
    expect(out.body).toContain('This notice is given under Cal. Code Civ. Proc. §1161(2).');
  });

  it('lists the installments of a payment plan', () => {
    const out = renderTemplate(
      LIBRARY['payment-plan-offer'] as LibraryTemplate,
      sampleContext(),
      'en',
    );
    expect(out.body).toContain('$760.00 by October 20, 2026; $760.00 by November 5, 2026.');
  });
});

describe('merge fields', () => {
  it('every catalogue field has a type', () => {
    for (const f of MERGE_FIELDS)
      expect(['text', 'money', 'date', 'number', 'list']).toContain(f.type);
    expect(MERGE_FIELDS.find((f) => f.path === 'case.charges')?.items).toEqual({
      description: 'text',
      due_date: 'date',
      amount: 'money',
    });
  });

  it('lists the fields a template references, following loops', () => {
    expect(
      templateFields(
        'Hi {{ tenant.first_name }}, {{ case.past_due | money }}{% for c in case.charges %} {{ c.amount | money }}{% endfor %} {{ case.charges[0].due_date | date }} {{ case.charges.size }}',
      ),
    ).toEqual([
      'tenant.first_name',
      'case.past_due',
      'case.charges',
      'case.charges.due_date',
      'case.charges.amount',
    ]);
  });

  it('flags unknown fields but not loop variables, forloop or assigned names', () => {
    expect(unknownFields('{{ tenant.nam }} {{ balance }} {{ tenant.name }}')).toEqual([
      'tenant.nam',
      'balance',
    ]);
    expect(
      unknownFields(
        '{% for c in case.charges %}{{ forloop.index }} {{ c.description }} {{ c.amount | money }}{% endfor %}{% assign n = tenant.name %}{{ n }}',
      ),
    ).toEqual([]);
    expect(unknownFields('{% for c in case.charges %}{{ c.amout }}{% endfor %}')).toEqual([
      'case.charges.amout',
    ]);
    expect(unknownFields('{{ tenant.name.first }}')).toEqual(['tenant.name.first']);
    expect(unknownFields('{% if notice %}{{ notice.deadline | date }}{% endif %}')).toEqual([]);
  });

  it('a template that does not parse is an error', () => {
    expect(() => unknownFields('{% if case.past_due > 0 %}unclosed')).toThrow(TemplateSyntaxError);
    expect(analyzeTemplate('{{ case.past_due | dollars }}').errors[0]).toMatch(
      /unknown filter `dollars`/,
    );
    expect(analyzeTemplate('{% if %}').errors[0]).toMatch(/line 1, column \d+/);
    expect(analyzeTemplate("{% include 'other' %}").errors[0]).toMatch(
      /cannot load other templates/,
    );
  });

  it('formats addresses and names', () => {
    expect(
      formatPostalAddress({
        line1: '1 Main St',
        city: 'Austin',
        region: 'TX',
        postalCode: '78701',
        country: 'US',
      }),
    ).toBe('1 Main St, Austin, TX 78701');
    expect(splitName('Ana María Ruiz')).toEqual({ first_name: 'Ana', last_name: 'Ruiz' });
  });
});

describe('rendering', () => {
  it('formats money and dates in English', () => {
    expect(formatMoney(150000, 'en')).toBe('$1,500.00');
    expect(formatMoney(5, 'en')).toBe('$0.05');
    expect(formatLongDate('2026-10-16', 'en')).toBe('October 16, 2026');
  });

  it('formats money the US-Spanish way (es-US) and dates in Spanish', () => {
    expect(formatMoney(150000, 'es')).toBe('$1,500.00');
    expect(formatLongDate('2026-10-16', 'es')).toBe('16 de octubre de 2026');
    const out = renderTemplate(
      {
        subject: 'Saldo {{ case.past_due | money }}',
        body: 'Pague antes del {{ promise.date | date }}.',
      },
      sampleContext(),
      'es',
    );
    expect(out).toEqual({
      subject: 'Saldo $1,520.00',
      body: 'Pague antes del 16 de octubre de 2026.',
    });
  });

  it('renders the Spanish late notice', () => {
    const out = renderTemplate(LIBRARY['late-notice.es'] as LibraryTemplate, sampleContext(), 'es');
    expect(out.body).toContain('saldo vencido de $1,520.00');
    expect(out.body).toContain('cargo por pago atrasado de $20.00');
    const reminder = renderTemplate(
      LIBRARY['reminder.es'] as LibraryTemplate,
      sampleContext(),
      'es',
    );
    expect(reminder.body).toContain('venció el 1 de octubre de 2026');
  });

  it('renders missing values as nothing and treats empty text as false', () => {
    const out = renderTemplate(
      { body: 'A{{ pay_link }}B{% if pay_link %}link{% endif %}' },
      { ...sampleContext(), pay_link: '' },
    );
    expect(out.body).toBe('AB');
  });

  it('is pure: the same input gives the same output', () => {
    const t = LIBRARY['past-due-notice'] as LibraryTemplate;
    expect(renderTemplate(t, sampleContext())).toEqual(renderTemplate(t, sampleContext()));
  });
});

describe('resolveTemplate', () => {
  const inline = {
    'late-notice': {
      kind: 'message' as const,
      subject: 'Late',
      body: 'Custom late {{ tenant.first_name }}',
    },
    'late-1': { kind: 'message' as const, body: 'Hi {{ tenant.first_name }}' },
    'late-1.es': { kind: 'message' as const, body: 'Hola {{ tenant.first_name }}' },
  };

  it('prefers {id}.{lang}, then {id}, and falls back to English', () => {
    expect(resolveTemplate('late-1', 'es', inline)).toMatchObject({
      key: 'late-1.es',
      source: 'policy',
      locale: 'es',
    });
    expect(resolveTemplate('late-1', 'es-MX', inline)).toMatchObject({
      key: 'late-1.es',
      locale: 'es',
    });
    expect(resolveTemplate('late-1', 'en', inline)).toMatchObject({ key: 'late-1', locale: 'en' });
    expect(resolveTemplate('late-1', 'fr', inline)).toMatchObject({ key: 'late-1', locale: 'en' });
    expect(resolveTemplate('reminder', 'es')).toMatchObject({
      key: 'reminder.es',
      source: 'library',
      kind: 'message',
    });
    expect(resolveTemplate('reminder', 'vi')).toMatchObject({
      key: 'reminder',
      source: 'library',
      locale: 'en',
    });
  });

  it('lets policy templates override the library', () => {
    expect(resolveTemplate('late-notice', 'en', inline)).toMatchObject({
      source: 'policy',
      body: 'Custom late {{ tenant.first_name }}',
    });
    expect(resolveTemplate('pre-lien-notice', 'en', inline)).toMatchObject({
      source: 'library',
      kind: 'document',
    });
  });

  it('is undefined for an unknown id', () => {
    expect(resolveTemplate('nope', 'en', inline)).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTemplate, FallBack } from './compiled.js';
import { LIBRARY, MESSAGE_TEMPLATE_IDS } from './library.js';
import { liquidEngine, LOCALES, templateFilters, type Locale } from './render.js';

/** What LiquidJS writes for `source`: the text of record. */
const liquid = (source: string, scope: Record<string, unknown>, locale: Locale) =>
  String(liquidEngine(locale).parseAndRenderSync(source, scope));

/** What the fast path writes, or FallBack when it hands the render (or a failure) to LiquidJS. */
function fast(source: string, scope: Record<string, unknown>, locale: Locale): string | FallBack {
  const compiled = compileTemplate(source);
  if (!compiled) throw new Error(`not compiled: ${source}`);
  try {
    return compiled(scope, templateFilters(locale));
  } catch (error) {
    // Any failure is LiquidJS's to render or to report (render.ts).
    return error instanceof FallBack ? error : new FallBack();
  }
}

const scope = {
  tenant: { first_name: 'Ana', name: 'Ana Ruiz' },
  property: { name: 'Oak Court', phone: '' },
  lease: { unit: 7 },
  case: { past_due: 152000, oldest_due_date: '2026-10-01', days_past_due: 1 },
  pay_link: 'https://pay.example.com/L1',
  office_contact: null,
};

describe('the template fast path', () => {
  it('takes every text message of the library without a loop, in both languages', () => {
    let taken = 0;
    for (const id of MESSAGE_TEMPLATE_IDS)
      for (const key of [id, `${id}.es`]) {
        const t = LIBRARY[key]!;
        for (const source of [t.subject, t.body])
          if (source !== undefined && !source.includes('{% for')) {
            expect(compileTemplate(source), key).not.toBeNull();
            taken++;
          }
      }
    expect(taken).toBeGreaterThanOrEqual(20);
  });

  it('writes what LiquidJS writes', () => {
    const source =
      "Hi {{ tenant.first_name }}, unit {{lease.unit}} owes {{ case.past_due | money }} since {{ case.oldest_due_date | date }} ({{ case.days_past_due | plural: 'day', 'days' }})." +
      '{% if pay_link %} Pay: {{ pay_link }}{% endif %}{% if office_contact %} Call {{ office_contact }}{% elsif property.phone %} Phone {{ property.phone }}{% else %} Thanks{% endif %}{{ missing.deeper.still }}';
    for (const locale of LOCALES)
      expect(fast(source, scope, locale)).toBe(liquid(source, scope, locale));
    expect(fast(source, scope, 'en')).toBe(
      'Hi Ana, unit 7 owes $1,520.00 since October 1, 2026 (1 day). Pay: https://pay.example.com/L1 Thanks',
    );
  });

  it('hands LiquidJS the values it writes its own way: lists, true and false, objects, strings read into', () => {
    const handed = [
      ['{{ v }}', ['a', 'b']],
      ['{{ v }}', true],
      ['{{ v }}', { a: 1 }],
      ['{{ v.length }}', 'text'],
      ['{{ v.length }}', ['a']],
      ['{{ v | money }}', { a: 1 }],
      ["{{ v | plural: 'day' }}", { a: 1 }],
    ] as const;
    for (const [source, v] of handed)
      expect(fast(source, { v }, 'en'), `${source} ${JSON.stringify(v)}`).toBeInstanceOf(FallBack);
    // An object's missing property is empty text, as LiquidJS writes it.
    expect(fast('{{ v.length }}', { v: { a: 1 } }, 'en')).toBe('');
  });

  it('leaves every other template to LiquidJS', () => {
    for (const source of [
      '{% for c in case.charges %}{{ c }}{% endfor %}',
      '{% unless a %}x{% endunless %}',
      '{% if a == 1 %}x{% endif %}',
      "{% if a > 'b' %}x{% endif %}",
      '{% if a > b %}x{% endif %}',
      '{% if a and b %}x{% endif %}',
      '{%- if a %}x{% endif %}',
      '{% if a -%}x{% endif %}',
      '{{- a }}',
      '{{ a | upcase }}',
      '{{ a | plural: 1, 2 }}',
      "{{ a | plural: 'it''s' }}",
      "{{ 'text' }}",
      '{{ true }}',
      '{{ a.size }}',
      '{{ a[0] }}',
      '{{ }}',
      '{% if a %}x',
      '{% endif %}',
      '{% else %}',
      '{% if a %}{% else %}{% elsif b %}{% endif %}',
      '{% if a %}{% else %}{% else %}{% endif %}',
      '{% assign x = 1 %}',
      '{% raw %}{{ a }}{% endraw %}',
      '{{ a',
      'a {% b',
    ])
      expect(compileTemplate(source), source).toBeNull();
  });

  it('writes what LiquidJS writes for any template it takes and any values', () => {
    const name = fc.constantFrom('a', 'b', 'first_name', 'toString', 'constructor');
    const path = fc.array(name, { minLength: 1, maxLength: 3 }).map((p) => p.join('.'));
    const text = fc
      .string({ unit: fc.constantFrom('x', ' ', '\n', '{', '}', '%', 'é', '$', '-'), maxLength: 6 })
      .filter((t) => !t.includes('{{') && !t.includes('{%') && !t.endsWith('{'));
    const filter = fc.constantFrom(
      '',
      ' | money',
      ' | date',
      "|plural: 'day', 'days'",
      ' | money | date',
    );
    const output = fc
      .tuple(path, filter, fc.constantFrom(' ', ''))
      .map(([p, f, s]) => `{{${s}${p}${f}${s}}}`);
    const test = fc
      .tuple(path, fc.constantFrom('', ' > 0', '>=1', ' < -2.5', ' <= 12'))
      .map(([p, c]) => `${p}${c}`);
    const template: fc.Memo<string> = fc.memo((depth) =>
      fc
        .array(
          depth <= 1
            ? fc.oneof(text, output)
            : fc.oneof(
                text,
                output,
                fc
                  .tuple(
                    test,
                    template(depth - 1),
                    fc.option(fc.tuple(test, template(depth - 1))),
                    fc.option(template(depth - 1)),
                  )
                  .map(
                    ([condition, then, elsif, otherwise]) =>
                      `{% if ${condition} %}${then}${elsif ? `{% elsif ${elsif[0]} %}${elsif[1]}` : ''}${otherwise !== null ? `{%else%}${otherwise}` : ''}{% endif %}`,
                  ),
              ),
          { maxLength: 4 },
        )
        .map((parts) => parts.join('')),
    );
    const leaf = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('2026-10-01', '12', '-3', ''),
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.double({ noNaN: false }),
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
      fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
    );
    const value: fc.Memo<unknown> = fc.memo((depth) =>
      depth <= 1 ? leaf : fc.oneof(leaf, fc.dictionary(name, value(depth - 1), { maxKeys: 3 })),
    );
    const scopeOf = fc.dictionary(name, value(3), { maxKeys: 4 });
    let written = 0;
    fc.assert(
      fc.property(template(3), scopeOf, fc.constantFrom(...LOCALES), (source, values, locale) => {
        if (!compileTemplate(source)) return;
        const got = fast(source, values, locale);
        if (got instanceof FallBack) return;
        written++;
        expect(got).toBe(liquid(source, values, locale));
      }),
      { numRuns: 2_000, seed: 20261201 },
    );
    // Most runs took the fast path (the rest went to LiquidJS, whose text is the text).
    expect(written).toBeGreaterThan(1_000);
  });
});

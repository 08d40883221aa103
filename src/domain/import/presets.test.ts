import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGING_BUCKETS, bucketFor } from '../ledger/aging.js';
import {
  BUCKET_AGE_DAYS,
  IMPORT_FIELDS,
  type ImportField,
  normalizeHeader,
  PRESET_NAMES,
  PRESETS,
  presetMarkdown,
  slug,
} from './presets.js';

const DOCS = new URL('../../../docs/csv-presets.md', import.meta.url);

describe('presets are data', () => {
  it.each(PRESET_NAMES)('%s: no header name maps to two fields', (name) => {
    const preset = PRESETS[name];
    const owner = new Map<string, ImportField>();
    for (const field of IMPORT_FIELDS)
      for (const alias of preset.columns[field] ?? []) {
        const key = normalizeHeader(alias);
        expect(owner.get(key) ?? field, `${name}: "${alias}"`).toBe(field);
        owner.set(key, field);
      }
    for (const ignored of Object.keys(preset.ignored))
      expect(owner.has(normalizeHeader(ignored)), `${name}: ignored "${ignored}"`).toBe(false);
  });

  it.each(PRESET_NAMES)('%s: every required field and id part has a column', (name) => {
    const preset = PRESETS[name];
    const groups = [
      ...preset.required.all,
      ...preset.required.transaction,
      ...preset.required.aging,
    ];
    for (const group of groups)
      expect(group.some((f) => (preset.columns[f]?.length ?? 0) > 0)).toBe(true);
    for (const recipe of [...preset.ids.property, ...preset.ids.lease, ...preset.ids.tenant])
      for (const part of recipe)
        if (part !== 'property') expect(preset.columns[part], `${name}: ${part}`).toBeDefined();
  });

  it.each(PRESET_NAMES)('%s: reads its level, dates and money from the table', (name) => {
    const preset = PRESETS[name];
    expect(preset.dateFormats.length).toBeGreaterThan(0);
    expect(preset.money.symbols).toContain('$');
    if (preset.level !== 'transaction')
      expect(AGING_BUCKETS.some((b) => preset.columns[`bucket:${b}`])).toBe(true);
  });

  it('models each vendor export as it really is', () => {
    expect(PRESETS.appfolio.level).toBe('aging');
    expect(PRESETS.appfolio.columns['bucket:31-60']).toContain('30-60');
    expect(PRESETS.appfolio.ignored).toHaveProperty('30+');
    expect(PRESETS.buildium.columns['bucket:1-30']).toContain('0 - 30 days');
    expect(PRESETS.yardi.columns.tenantId).toContain('Tenant Code');
    expect(PRESETS.yardi.columns['bucket:90+']).toContain('Over 90');
    expect(PRESETS.yardi.columns.prepayment).toContain('Prepays');
    expect(PRESETS.generic.level).toBe('auto');
    expect(PRESETS.generic.columns.amount).toEqual(['amount']);
  });
});

describe('synthetic due dates', () => {
  it('each bucket’s age falls inside that bucket, at its youngest edge', () => {
    for (const bucket of AGING_BUCKETS) {
      expect(bucketFor(BUCKET_AGE_DAYS[bucket])).toBe(bucket);
      if (bucket !== 'current') expect(bucketFor(BUCKET_AGE_DAYS[bucket] - 1)).not.toBe(bucket);
    }
  });
});

describe('header matching and slugs', () => {
  it('ignores case, spaces, underscores and dash styles', () => {
    expect(normalizeHeader('Amount Receivable')).toBe(normalizeHeader('amount_receivable'));
    expect(normalizeHeader(' 0 – 30 Days ')).toBe(normalizeHeader('0-30 days'));
    expect(normalizeHeader('Unit #')).toBe('unit');
    expect(normalizeHeader('90+')).not.toBe(normalizeHeader('90'));
  });

  it('slugs names of any script, without accents', () => {
    expect(slug('María José Hernández')).toBe('maria-jose-hernandez');
    expect(slug("James O'Brien")).toBe('james-o-brien');
    expect(slug('  Oak Court Apartments ')).toBe('oak-court-apartments');
    expect(slug('王伟')).toBe('王伟');
  });
});

/** Markdown with table padding removed, so a formatter cannot make the docs look stale. */
function unpadded(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split('|')
            .map((cell) => cell.trim().replace(/^:?-+:?$/, '---'))
            .join('|')
        : line.trimEnd(),
    )
    .join('\n');
}

describe('docs/csv-presets.md', () => {
  const docs = unpadded(readFileSync(DOCS, 'utf8'));
  it.each(PRESET_NAMES)('documents the %s preset exactly as the data says', (name) => {
    expect(docs).toContain(unpadded(presetMarkdown(name)));
  });
});

/**
 * Rendering of message and document templates with LiquidJS (SPEC 6): pure and
 * synchronous. Three filters besides Liquid's own (`plural`: see pluralFilter):
 * - `money`: integer cents → `$1,500.00`. Spanish uses `Intl.NumberFormat('es-US')`, the
 *   convention of Spanish-speaking readers in the United States: `$1,500.00` as well (not
 *   the European `1.500,00 US$`).
 * - `date`: `YYYY-MM-DD` → `October 16, 2026` / `16 de octubre de 2026`.
 * Templates cannot load files (`include` / `render` find nothing); missing values render
 * as empty text; empty text and 0 are false in `{% if %}`.
 */
import { Liquid, type Template } from 'liquidjs';
import { compileTemplate, type CompiledTemplate, type Filters } from './compiled.js';
import { LIBRARY, type TemplateKind } from './library.js';
import type { MergeContext } from './fields.js';

export type Locale = 'en' | 'es';
export const LOCALES: readonly Locale[] = ['en', 'es'];

export interface TemplateText {
  subject?: string;
  body: string;
  title?: string;
}

export interface TemplateSource extends TemplateText {
  kind: TemplateKind;
}

const INTL_LOCALE: Record<Locale, string> = { en: 'en-US', es: 'es-US' };

const moneyFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** Integer cents as money in the reader's language: `$1,500.00`. */
export function formatMoney(cents: number, locale: Locale = 'en', currency = 'USD'): string {
  const key = `${locale}:${currency}`;
  let fmt = moneyFormats.get(key);
  if (!fmt) {
    fmt = new Intl.NumberFormat(INTL_LOCALE[locale], { style: 'currency', currency });
    moneyFormats.set(key, fmt);
  }
  return fmt.format(cents / 100);
}

/** Dates written out, per locale (a message names a few dates, the same across a portfolio). */
const longDates = new Map<string, Map<string, string>>();
const LONG_DATES_KEPT = 5_000;

/** A local date `YYYY-MM-DD` written out: `October 16, 2026` / `16 de octubre de 2026`. */
export function formatLongDate(date: string, locale: Locale = 'en'): string {
  let written = longDates.get(locale);
  if (!written) longDates.set(locale, (written = new Map()));
  let text = written.get(date);
  if (text === undefined) {
    text = writeLongDate(date, locale);
    if (written.size >= LONG_DATES_KEPT) written.clear();
    written.set(date, text);
  }
  return text;
}

function writeLongDate(date: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m) return date;
  let fmt = dateFormats.get(locale);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'long', timeZone: 'UTC' });
    dateFormats.set(locale, fmt);
  }
  return fmt.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
}

function moneyFilter(locale: Locale, currency: string) {
  return (value: unknown): unknown => {
    const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n === 'number' && Number.isFinite(n)) return formatMoney(n, locale, currency);
    return value ?? '';
  };
}

function dateFilter(locale: Locale) {
  return (value: unknown): unknown =>
    typeof value === 'string' ? formatLongDate(value, locale) : (value ?? '');
}

/**
 * `{{ case.days_past_due | plural: 'day', 'days' }}` → `1 day`, `15 days`; in Spanish
 * `{{ n | plural: 'día', 'días' }}`. The locale's plural rules pick the form (Intl).
 */
function pluralFilter(locale: Locale) {
  const rules = new Intl.PluralRules(INTL_LOCALE[locale]);
  const numbers = new Intl.NumberFormat(INTL_LOCALE[locale]);
  return (value: unknown, one: unknown, other: unknown): unknown => {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(n)) return value ?? '';
    const word = rules.select(n) === 'one' ? one : (other ?? one);
    return `${numbers.format(n)} ${String(word ?? '')}`.trim();
  };
}

const engines = new Map<string, { engine: Liquid; filters: Filters }>();

/** The engine for a locale and currency, and its filters (cached; immutable once built). */
function engineFor(locale: Locale, currency: string): { engine: Liquid; filters: Filters } {
  const key = `${locale}:${currency}`;
  let found = engines.get(key);
  if (!found) {
    const engine = new Liquid({
      strictFilters: true,
      strictVariables: false,
      ownPropertyOnly: true,
      jsTruthy: true,
      templates: {},
      dynamicPartials: false,
      parseLimit: 200_000,
      memoryLimit: 10_000_000,
    });
    const filters: Filters = {
      money: moneyFilter(locale, currency),
      date: dateFilter(locale),
      plural: pluralFilter(locale),
    };
    for (const [name, filter] of Object.entries(filters)) engine.registerFilter(name, filter);
    found = { engine, filters };
    engines.set(key, found);
  }
  return found;
}

/** The filters templates have besides Liquid's own, for a locale and currency. */
export function templateFilters(locale: Locale = 'en', currency = 'USD'): Filters {
  return engineFor(locale, currency).filters;
}

/** The Liquid engine for a locale and currency (cached; engines are immutable once built). */
export function liquidEngine(locale: Locale = 'en', currency = 'USD'): Liquid {
  return engineFor(locale, currency).engine;
}

const parsed = new Map<Liquid, Map<string, Template[]>>();

function parseCached(engine: Liquid, source: string): Template[] {
  let cache = parsed.get(engine);
  if (!cache) {
    cache = new Map();
    parsed.set(engine, cache);
  }
  let tpl = cache.get(source);
  if (!tpl) {
    tpl = engine.parse(source);
    if (cache.size >= 1000) cache.clear();
    cache.set(source, tpl);
  }
  return tpl;
}

/** Sources compiled for the fast path (null: LiquidJS renders it); the same for every engine. */
const compiled = new Map<string, CompiledTemplate | null>();

function compiledCached(source: string): CompiledTemplate | null {
  let fast = compiled.get(source);
  if (fast === undefined) {
    fast = compileTemplate(source);
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(source, fast);
  }
  return fast;
}

/** `source` rendered: through the fast path when it takes the template and the values. */
function renderSource(
  { engine, filters }: { engine: Liquid; filters: Filters },
  source: string,
  scope: Record<string, unknown>,
): string {
  const fast = compiledCached(source);
  if (fast)
    try {
      return fast(scope, filters);
    } catch {
      // A value it leaves to LiquidJS (FallBack), or a filter that failed on one: LiquidJS
      // renders it, or reports the error as it always has.
    }
  return String(engine.renderSync(parseCached(engine, source), scope));
}

function tidyBlock(text: string): string {
  return text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function tidyLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Renders a template's subject, body and title against `context`. Throws the Liquid
 * error if a part does not parse (validation rejects such templates before they run).
 */
export function renderTemplate(
  def: TemplateText,
  context: MergeContext | Record<string, unknown>,
  locale: Locale = 'en',
  currency = 'USD',
): TemplateText {
  const engine = engineFor(locale, currency);
  const scope = context as Record<string, unknown>;
  const render = (source: string) => renderSource(engine, source, scope);
  const out: TemplateText = { body: tidyBlock(render(def.body)) };
  if (def.subject !== undefined) out.subject = tidyLine(render(def.subject));
  if (def.title !== undefined) out.title = tidyLine(render(def.title));
  return out;
}

/** The language part of a code: `es-MX` → `es`. */
export function baseLanguage(language: string | undefined): string {
  return (language ?? 'en').toLowerCase().split(/[-_]/)[0] || 'en';
}

/** The rendering locale for a language: Spanish for `es…`, English otherwise. */
export function localeFor(language: string | undefined): Locale {
  return baseLanguage(language) === 'es' ? 'es' : 'en';
}

export interface ResolvedTemplate extends TemplateSource {
  /** The id asked for, e.g. `late-notice`. */
  id: string;
  /** The key that matched: `late-notice.es`, `late-notice` … */
  key: string;
  /** Where it came from. */
  source: 'policy' | 'library';
  /** The language it is written in, and the locale to render it with. */
  locale: Locale;
}

type TemplateMap = Readonly<Record<string, TemplateSource>>;

function languageOfKey(key: string, id: string): Locale {
  const suffix = key.slice(id.length + 1);
  return suffix === '' ? 'en' : localeFor(suffix);
}

/**
 * The template to use for `id` in `language`:
 * 1. the policy's inline `{id}.{lang}`, then its `{id}` (an inline template overrides the
 *    library's template of the same id), then its `{id}.en`;
 * 2. the library's `{id}.{lang}`, then `{id}` (English).
 * A template without a language suffix is English. Undefined when the id is unknown.
 */
export function resolveTemplate(
  id: string,
  language: string | undefined,
  policyTemplates: TemplateMap = {},
): ResolvedTemplate | undefined {
  const lang = baseLanguage(language);
  const keys = [`${id}.${lang}`, id, `${id}.en`];
  const layers: [TemplateMap, 'policy' | 'library'][] = [
    [policyTemplates, 'policy'],
    [LIBRARY, 'library'],
  ];
  for (const [map, source] of layers) {
    for (const key of keys) {
      if (!Object.hasOwn(map, key)) continue;
      const def = map[key] as TemplateSource;
      return { ...def, id, key, source, locale: languageOfKey(key, id) };
    }
  }
  return undefined;
}

/** Whether a template id exists in the policy's inline templates or the library. */
export function templateExists(id: string, policyTemplates: TemplateMap = {}): boolean {
  return resolveTemplate(id, 'en', policyTemplates) !== undefined;
}

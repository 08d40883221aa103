/**
 * Static analysis of Liquid templates against the merge-field catalogue, with liquidjs's
 * own parser and analysis (`parse` + `analyzeSync`): which fields a template uses, which of
 * them do not exist, and whether it parses at all.
 *
 * Loop variables are followed: in `{% for c in case.charges %}{{ c.amount }}{% endfor %}`
 * the template uses `case.charges` and `case.charges.amount` (an item field); `c.amoutn`
 * would be reported as the unknown field `case.charges.amoutn`.
 */
import { type Liquid, type Template, toValueSync } from 'liquidjs';
import { isKnownItemTail, isKnownReference, mergeField } from './fields.js';
import { liquidEngine } from './render.js';

export interface TemplateAnalysis {
  /** Every merge field referenced, dotted (`case.past_due`, `case.charges.amount`), in order. */
  fields: string[];
  /** The references that are not in the catalogue. */
  unknown: string[];
  /** Syntax errors, and tags that are not allowed; a template with errors does not render. */
  errors: string[];
}

/** A template that does not parse. */
export class TemplateSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

type Segment = string | number;
interface VariableLike {
  segments: readonly (Segment | VariableLike)[];
}

/** Tags that would load other files: templates are self-contained. */
const FORBIDDEN_TAGS = new Set(['include', 'render', 'layout']);

function cleanLiquidMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first
    .replace(
      /^undefined filter: ([^,\s]+)/,
      'unknown filter `$1` (use money, date or a standard Liquid filter)',
    )
    .replace(/, line:(\d+), col:(\d+)$/, ' (line $1, column $2)');
}

/**
 * A reference as a field path: list indexes, `first` / `last` after a list and a final
 * `size` are dropped (`case.charges[0].amount`, `case.charges.first.amount` →
 * `case.charges.amount`).
 */
function dotted(segments: readonly Segment[], listPrefix?: string): string {
  const parts: string[] = listPrefix ? [listPrefix] : [];
  segments.forEach((s, i) => {
    if (typeof s !== 'string') return;
    if (i === segments.length - 1 && s === 'size' && parts.length > 0) return;
    if ((s === 'first' || s === 'last') && mergeField(parts.join('.'))?.type === 'list') return;
    parts.push(s);
  });
  return parts.join('.');
}

function plainSegments(v: VariableLike): Segment[] | undefined {
  const out: Segment[] = [];
  for (const s of v.segments) {
    if (typeof s === 'string' || typeof s === 'number') out.push(s);
    else return out.length > 0 ? out : undefined; // dynamic lookup: check the static prefix
  }
  return out;
}

interface TagLike {
  name?: string;
  variable?: string;
  collection?: { getText(): string };
  children?: Template['children'];
}

/** Loop variable → the catalogue list it iterates (`c` → `case.charges`), and forbidden tags. */
function walk(
  templates: readonly Template[],
  loops: Map<string, Set<string>>,
  errors: string[],
): void {
  for (const t of templates) {
    const tag = t as unknown as TagLike;
    if (typeof tag.name === 'string' && FORBIDDEN_TAGS.has(tag.name))
      errors.push(`\`{% ${tag.name} %}\` is not available: a template cannot load other templates`);
    if ((tag.name === 'for' || tag.name === 'tablerow') && typeof tag.variable === 'string') {
      const text = (tag.collection?.getText() ?? '').split('|')[0]?.trim() ?? '';
      let set = loops.get(tag.variable);
      if (!set) {
        set = new Set();
        loops.set(tag.variable, set);
      }
      set.add(text);
    }
    if (typeof t.children === 'function') {
      try {
        const kids = toValueSync(t.children(false, true)) as Template[];
        walk(kids, loops, errors);
      } catch {
        // children of partial tags are not analysed (partials are disabled)
      }
    }
  }
}

function analyzeWith(engine: Liquid, source: string): TemplateAnalysis {
  let templates: Template[];
  try {
    templates = engine.parse(source);
  } catch (e) {
    return {
      fields: [],
      unknown: [],
      errors: [cleanLiquidMessage(e instanceof Error ? e.message : String(e))],
    };
  }
  const errors: string[] = [];
  const loops = new Map<string, Set<string>>();
  walk(templates, loops, errors);
  const analysis = engine.analyzeSync(templates, { partials: false });

  const fields: string[] = [];
  const unknown: string[] = [];
  const seenField = new Set<string>();
  const seenUnknown = new Set<string>();
  const note = (path: string, known: boolean) => {
    if (path === '') return;
    if (!seenField.has(path)) {
      seenField.add(path);
      fields.push(path);
    }
    if (!known && !seenUnknown.has(path)) {
      seenUnknown.add(path);
      unknown.push(path);
    }
  };

  // Globals: everything the template expects from the context.
  for (const refs of Object.values(analysis.globals)) {
    for (const ref of refs as unknown as VariableLike[]) {
      const segs = plainSegments(ref);
      if (!segs) continue;
      note(dotted(segs), isKnownReference(segs));
    }
  }

  // Loop variables over catalogue lists: their item fields.
  const locals = new Set(Object.keys(analysis.locals));
  for (const [name, collections] of loops) {
    if (locals.has(name)) continue;
    const refs = (analysis.variables[name] ?? []) as unknown as VariableLike[];
    for (const collection of collections) {
      const list = mergeField(collection);
      if (!list || list.type !== 'list') continue;
      for (const ref of refs) {
        const segs = plainSegments(ref);
        if (!segs || segs.length < 2) continue;
        const tail = segs.slice(1);
        note(dotted(tail, collection), isKnownItemTail(list, tail));
      }
    }
  }
  return { fields, unknown, errors };
}

/** Fields used, unknown fields and syntax errors of a Liquid template. */
export function analyzeTemplate(source: string): TemplateAnalysis {
  return analyzeWith(liquidEngine('en'), source);
}

function orThrow(source: string): TemplateAnalysis {
  const a = analyzeTemplate(source);
  if (a.errors.length > 0) throw new TemplateSyntaxError(a.errors.join('; '));
  return a;
}

/** Every merge-field path the template references. Throws TemplateSyntaxError if it does not parse. */
export function templateFields(source: string): string[] {
  return orThrow(source).fields;
}

/** The referenced paths that are not in the catalogue. Throws TemplateSyntaxError if it does not parse. */
export function unknownFields(source: string): string[] {
  return orThrow(source).unknown;
}

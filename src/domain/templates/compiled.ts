/**
 * A fast path for the plain templates most messages are: text, `{{ a.b | filter: 'x' }}` with
 * this project's own filters, and `{% if a.b %}…{% elsif c > 0 %}…{% else %}…{% endif %}` on a
 * bare value or one compared with a number. LiquidJS stays the renderer of record: a
 * template with anything else (another tag or filter, an operator, whitespace control, a
 * literal) is not compiled, and a value the fast path does not write the way LiquidJS does
 * (a list, a true or false, an object, a string read into) makes it hand that render back
 * (`FallBack`), so the text is LiquidJS's either way. LiquidJS runs every template through
 * generators and spends some 40 µs on a three-line text message; a first scan of a large
 * portfolio drafts tens of thousands.
 *
 * Semantics kept (render.ts configures LiquidJS so): a missing value, or one read through a
 * missing one, is empty text; only own properties are read; `if` is JavaScript truthiness
 * (`jsTruthy`); a number is written as `String(n)`.
 */

/** Thrown by a compiled template for a render it leaves to LiquidJS. */
export class FallBack extends Error {
  constructor() {
    super('rendered by LiquidJS');
  }
}

export type Filter = (value: unknown, ...args: string[]) => unknown;
export type Filters = Readonly<Record<string, Filter>>;
export type CompiledTemplate = (scope: Record<string, unknown>, filters: Filters) => string;

/** The filters the fast path calls (render.ts registers the same with LiquidJS). */
const FILTERS = new Set(['money', 'date', 'plural']);
/** Names LiquidJS reads as literals, or reads specially (`size`, `first`, `last`). */
const SPECIAL = new Set([
  'true',
  'false',
  'nil',
  'null',
  'empty',
  'blank',
  'size',
  'first',
  'last',
  'forloop',
  'tablerowloop',
]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOKEN = /\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;

type Path = readonly string[];
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; path: Path; filters: { name: string; args: string[] }[] }
  | { kind: 'if'; branches: { test: Test; body: Node[] }[]; otherwise: Node[] };

/** A bare value (JavaScript truthiness), or a value compared with a number. */
interface Test {
  path: Path;
  compare?: { op: '>' | '<' | '>=' | '<='; than: number };
}

/** The template as a function, or null when it is not one the fast path takes. */
export function compileTemplate(source: string): CompiledTemplate | null {
  const nodes = parse(source);
  if (!nodes) return null;
  return (scope, filters) => {
    const out: string[] = [];
    write(nodes, scope, filters, out);
    return out.join('');
  };
}

function write(
  nodes: readonly Node[],
  scope: Record<string, unknown>,
  filters: Filters,
  out: string[],
) {
  for (const n of nodes) {
    if (n.kind === 'text') out.push(n.text);
    else if (n.kind === 'output') {
      let value = read(scope, n.path);
      for (const f of n.filters) value = filters[f.name]!(value, ...f.args);
      out.push(text(value));
    } else {
      const branch = n.branches.find((b) => holds(read(scope, b.test.path), b.test));
      write(branch ? branch.body : n.otherwise, scope, filters, out);
    }
  }
}

/** Whether a value passes a test, as LiquidJS decides it for text, numbers and nothing. */
function holds(value: unknown, { compare }: Test): boolean {
  if (!compare) return !!value;
  // LiquidJS compares the values as JavaScript does, but an object may compare itself.
  if (typeof value === 'object' && value !== null) throw new FallBack();
  const v = value as number;
  const { op, than } = compare;
  return op === '>' ? v > than : op === '<' ? v < than : op === '>=' ? v >= than : v <= than;
}

/** `scope.a.b…` as LiquidJS reads it for the values the fast path knows. */
function read(scope: Record<string, unknown>, path: Path): unknown {
  let value: unknown = scope;
  for (const key of path) {
    if (value === undefined || value === null) return value;
    if (!isPlainObject(value)) throw new FallBack();
    value = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    if (typeof value === 'function') throw new FallBack();
  }
  return value;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value as output writes it: text and numbers; anything else goes to LiquidJS. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  throw new FallBack();
}

/** The template's nodes, or null when any part of it is outside the fast path. */
function parse(source: string): Node[] | null {
  const root: Node[] = [];
  // Open `if`s: the node, and the body its current branch (or `else`) appends to.
  const open: { node: Extract<Node, { kind: 'if' }>; body: Node[]; inElse: boolean }[] = [];
  const body = () => (open.length > 0 ? open[open.length - 1]!.body : root);
  let last = 0;
  for (const m of source.matchAll(TOKEN)) {
    if (!addText(body(), source.slice(last, m.index))) return null;
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      const output = parseOutput(m[1]);
      if (!output) return null;
      body().push(output);
      continue;
    }
    const tag = m[2]!;
    if (tag.startsWith('-') || tag.endsWith('-')) return null;
    const [name = '', ...rest] = tag.trim().split(/\s+/);
    const arg = rest.join(' ');
    if (name === 'if' || name === 'elsif') {
      const test = parseTest(arg);
      if (!test) return null;
      if (name === 'if') {
        const node: Extract<Node, { kind: 'if' }> = {
          kind: 'if',
          branches: [{ test, body: [] }],
          otherwise: [],
        };
        body().push(node);
        open.push({ node, body: node.branches[0]!.body, inElse: false });
      } else {
        const top = open[open.length - 1];
        if (!top || top.inElse) return null;
        const branch = { test, body: [] as Node[] };
        top.node.branches.push(branch);
        top.body = branch.body;
      }
    } else if (name === 'else' && arg === '') {
      const top = open[open.length - 1];
      if (!top || top.inElse) return null;
      top.inElse = true;
      top.body = top.node.otherwise;
    } else if (name === 'endif' && arg === '') {
      if (!open.pop()) return null;
    } else return null;
  }
  if (!addText(body(), source.slice(last)) || open.length > 0) return null;
  return root;
}

function addText(nodes: Node[], text: string): boolean {
  // An opening that did not close is LiquidJS's to report.
  if (text.includes('{{') || text.includes('{%')) return false;
  if (text !== '') nodes.push({ kind: 'text', text });
  return true;
}

/** `a.b | f | g: 'x', "y"`; null for anything else. */
function parseOutput(inside: string): Extract<Node, { kind: 'output' }> | null {
  if (inside.startsWith('-') || inside.endsWith('-')) return null;
  const [head = '', ...parts] = inside.split('|');
  const path = parsePath(head.trim());
  if (!path) return null;
  const filters: { name: string; args: string[] }[] = [];
  for (const part of parts) {
    const m = /^\s*([A-Za-z_]\w*)\s*(?::(.*))?$/s.exec(part);
    if (!m || !FILTERS.has(m[1]!)) return null;
    const args = m[2] === undefined ? [] : parseArgs(m[2]);
    if (!args) return null;
    filters.push({ name: m[1]!, args });
  }
  return { kind: 'output', path, filters };
}

/** `'x', "y"`: quoted text without escapes, quotes or separators inside; null otherwise. */
function parseArgs(text: string): string[] | null {
  const args: string[] = [];
  for (const piece of text.split(',')) {
    const m = /^\s*(?:'([^'"\\|,{}%]*)'|"([^'"\\|,{}%]*)")\s*$/.exec(piece);
    if (!m) return null;
    args.push(m[1] ?? m[2]!);
  }
  return args;
}

/** `a.b`, or `a.b > 0` (`>`, `<`, `>=`, `<=` and a number); null for anything else. */
function parseTest(text: string): Test | null {
  const m = /^(\S+)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$/.exec(text);
  const path = parsePath(m ? m[1]! : text);
  if (!path) return null;
  return m
    ? { path, compare: { op: m[2] as '>' | '<' | '>=' | '<=', than: Number(m[3]) } }
    : { path };
}

function parsePath(text: string): Path | null {
  const keys = text.split('.');
  for (const k of keys) if (!NAME.test(k) || SPECIAL.has(k)) return null;
  return keys;
}

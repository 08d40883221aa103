/**
 * Reading a policy file (SPEC 3.3): YAML or JSON text → a structurally valid Policy, or an
 * InputError carrying every problem found (up to 50). Paths name the stage by its id, e.g.
 * `stages[1] (pre-lien).actions[0].amountCents`. The semantic rules (templates,
 * jurisdiction packs, stage order) are in validate.ts. Pure: the caller reads the file.
 */
import { CST, Parser, parseDocument } from 'yaml';
import { InputError, type InputIssue } from '../errors.js';
import {
  lineColumnAt,
  parseJsonText,
  type PathLabeler,
  valueAt,
  zodIssuesToInputIssues,
} from '../validation.js';
import { type Policy, policy as policySchema } from './schema.js';

export type PolicyFormat = 'yaml' | 'json';

/** The format a file name implies: `.json` → json, `.yaml` / `.yml` → yaml, else undefined. */
export function policyFormatOf(file: string): PolicyFormat | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return undefined;
}

const YAML_FIXES: Record<string, string> = {
  DUPLICATE_KEY: 'the same key appears twice in one mapping; keep only one',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'check the indentation and that every [ and { is closed',
  MISSING_CHAR: 'a closing quote, ] or } is missing',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; quote long values or check the indentation',
  BLOCK_AS_IMPLICIT_KEY: 'a value seems to be missing after a key; check the indentation',
  UNEXPECTED_TOKEN: 'remove or quote the unexpected character',
};

function file_(issue: Omit<InputIssue, 'file'>, file?: string): InputIssue {
  return file === undefined ? issue : { file, ...issue };
}

/** Nesting a policy never needs; deeper YAML is refused before it is composed. */
export const MAX_YAML_DEPTH = 100;

/**
 * The offset of the first collection nested deeper than `MAX_YAML_DEPTH`, found on the
 * concrete syntax tree (built without recursion). The composer recurses once per level:
 * thousands of levels overflow the stack, and a stack overflow inside the YAML library can
 * leave V8 unable to compile regular expressions (the next deep file kills the process).
 */
function tooDeepAt(text: string): number | undefined {
  const stack: [CST.Token | null | undefined, number][] = [];
  for (const token of new Parser().parse(text)) stack.push([token, 0]);
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [token, depth] = next;
    if (!token) continue;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (CST.isCollection(token)) {
      if (depth >= MAX_YAML_DEPTH) return token.offset;
      for (const item of token.items) stack.push([item.key, depth + 1], [item.value, depth + 1]);
    }
  }
  return undefined;
}

/** YAML text → value, or the syntax issues with line and column. */
export function parseYamlText(
  text: string,
  file?: string,
): { ok: true; value: unknown } | { ok: false; issues: InputIssue[] } {
  const deep = tooDeepAt(text);
  if (deep !== undefined) {
    const { line, column } = lineColumnAt(text, deep);
    return {
      ok: false,
      issues: [
        file_(
          {
            path: `line ${line}, column ${column}`,
            message: `lists and mappings are nested more than ${MAX_YAML_DEPTH} levels deep here; a policy needs only a few levels: check the brackets and the indentation`,
          },
          file,
        ),
      ],
    };
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) {
    const seenLines = new Set<number>();
    const issues: InputIssue[] = [];
    for (const e of doc.errors) {
      const pos = e.linePos?.[0] ?? lineColumnAt(text, e.pos[0]);
      const line = pos.line;
      const column = 'col' in pos ? pos.col : pos.column;
      const fix = YAML_FIXES[e.code] ?? 'check the YAML syntax on this line';
      const what = e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
      // One error per line: later ones on the same line are usually consequences.
      if (seenLines.has(line)) continue;
      seenLines.add(line);
      issues.push(
        file_(
          { path: `line ${line}, column ${column}`, message: `YAML syntax error: ${what}; ${fix}` },
          file,
        ),
      );
    }
    return { ok: false, issues };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (e) {
    // yaml resolves aliases here and refuses, with a ReferenceError, one naming no anchor
    // and ones that expand too much ("billion laughs").
    if (!(e instanceof ReferenceError)) throw e;
    const unresolved = /^Unresolved alias[^:]*: (.*)$/.exec(e.message);
    const message = unresolved
      ? `the alias \`*${unresolved[1]}\` names no anchor set before it: add \`&${unresolved[1]}\` to the value it repeats, above it, or write the value out`
      : 'YAML aliases (*name) expand to too many copies of their anchors: write the repeated values out';
    return { ok: false, issues: [file_({ path: '(top level)', message }, file)] };
  }
}

/** Policy text (YAML or JSON by the file's extension; otherwise JSON, then YAML) → value. */
export function parsePolicyText(text: string, file: string): unknown {
  const format = policyFormatOf(file);
  if (format === 'json') {
    const json = parseJsonText(text, file);
    if (!json.ok) throw new InputError([json.issue]);
    return json.value;
  }
  if (format === undefined) {
    const json = parseJsonText(text, file);
    if (json.ok) return json.value;
  }
  if (text.trim() === '')
    throw new InputError([
      file_(
        {
          path: '(top level)',
          message: 'the file is empty: it must contain a policy (id, stages …)',
        },
        file,
      ),
    ]);
  const yaml = parseYamlText(text, file);
  if (!yaml.ok) throw new InputError(yaml.issues);
  return yaml.value;
}

/** Names `stages[i]` by the stage's id. */
export function stageLabeler(input: unknown): PathLabeler {
  return (prefix) => {
    if (prefix.length !== 2 || prefix[0] !== 'stages') return undefined;
    const id = valueAt(input, [...prefix, 'id']);
    return typeof id === 'string' && id !== '' ? id : undefined;
  };
}

/** Parses and structurally validates a policy file's text. Throws InputError naming `file`. */
export function parsePolicy(text: string, file: string): Policy {
  return policyFromValue(parsePolicyText(text, file), file);
}

/** Structurally validates an already-parsed policy value. Throws InputError. */
export function policyFromValue(value: unknown, file?: string): Policy {
  const result = policySchema.safeParse(value);
  if (result.success) return result.data;
  throw new InputError(
    zodIssuesToInputIssues(result.error.issues, {
      file,
      input: value,
      schema: policySchema,
      label: stageLabeler(value),
      rootDescription: 'a policy: a mapping with id, stages and the other policy settings',
      nouns: { actions: 'action' },
    }),
  );
}

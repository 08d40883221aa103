/**
 * Text folding for the reply classifier (SPEC R12): case, accents, curly quotes,
 * elongated letters ("stooop"), emoji and punctuation. Every regular expression here is
 * compiled once at module load; the per-call work is a handful of linear `replace` passes.
 */

/** The folded forms of one reply. */
export interface NormalizedReply {
  /**
   * For amount and date extraction: lower case, accents removed, apostrophes dropped
   * ("I'll" → "ill"), emoji and other symbols turned into spaces; keeps digits and
   * `$ . , / : ? ! % * #`.
   */
  readonly text: string;
  /** Lexicon form: only `[a-z0-9*]` tokens separated by single spaces ("#" reads "number"). */
  readonly words: string;
  /** The words form of each clause, split at sentence punctuation, commas, newlines and emoji. */
  readonly segments: readonly string[];
  /** The tokens of `words` (for language detection). */
  readonly tokens: readonly string[];
  /** The reply had a question mark. */
  readonly question: boolean;
}

const COMBINING_MARKS = /\p{M}+/gu;
const APOSTROPHES = /['\u2018\u2019\u201A\u201B\u2032\u0060\u00B4]/g;
const INVERTED = /[¿¡]/g;
/** Anything that is not a letter, digit, whitespace or kept punctuation: emoji, symbols … */
const SYMBOLS = /[^\p{L}\p{N}\s$.,/:?!%*#-]+/gu;
const ELONGATED = /([a-z])\1{2,}/g;
const WHITESPACE = /\s+/g;
const CLAUSE_BREAKS = /[|.!?;,:\n\r]+/;
const HASH = /#/g;
const NON_WORD = /[^a-z0-9*]+/g;
const PIPES = /\|/g;

function toWords(s: string): string {
  return s.replace(HASH, ' number ').replace(NON_WORD, ' ').trim();
}

/** Folds a reply into the forms the lexicons and extractors read. Never throws. */
export function normalizeReply(raw: string): NormalizedReply {
  const folded = raw
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(APOSTROPHES, '')
    .replace(INVERTED, ' ')
    .replace(ELONGATED, '$1');
  // Emoji and symbols mark clause boundaries ("Stop 🛑 I paid"): keep a "|" there for splitting.
  const marked = folded.replace(SYMBOLS, ' | ');
  const text = marked.replace(PIPES, ' ').replace(WHITESPACE, ' ').trim();
  const words = toWords(text);
  const segments: string[] = [];
  for (const part of marked.split(CLAUSE_BREAKS)) {
    const w = toWords(part);
    if (w) segments.push(w);
  }
  return {
    text,
    words,
    segments,
    tokens: words ? words.split(' ') : [],
    question: raw.includes('?'),
  };
}

/**
 * One language's word lists. Patterns are regular-expression sources written against the
 * `words` form (lower case, no accents, no apostrophes, single spaces); classify.ts joins
 * the English and Spanish lists and compiles each list once.
 */
export interface Lexicon {
  /** Carrier keywords that opt out when they form the whole message. */
  readonly optOutKeywords: readonly string[];
  /** Keywords that opt out when they form a whole clause ("STOP. I already paid"). */
  readonly optOutClauseKeywords: readonly string[];
  readonly optInKeywords: readonly string[];
  readonly helpKeywords: readonly string[];
  /** Politeness ignored around whole-message keywords ("please", "por favor" …). */
  readonly fillers: readonly string[];
  /** Frequent words of the language, for language detection. */
  readonly markers: readonly string[];
  readonly optOut: readonly string[];
  /** Opt-outs that cover every channel (STOPALL, "stop all"). */
  readonly optOutAll: readonly string[];
  readonly optIn: readonly string[];
  readonly help: readonly string[];
  /** Question words that make a bare question a request for help. */
  readonly questionWords: readonly string[];
  /** A commitment to pay ("I'll pay", "le pago"), with or without a date. */
  readonly promise: readonly string[];
  /** Mentions of paying that are a promise only next to a date or an amount ("payment … 10/20"). */
  readonly payMention: readonly string[];
  readonly paymentPlan: readonly string[];
  readonly paidClaim: readonly string[];
  readonly dispute: readonly string[];
  readonly hardship: readonly string[];
  readonly legal: readonly string[];
  readonly wrongNumber: readonly string[];
  readonly hostile: readonly string[];
}

/** Builds one matcher from alternatives written against the `words` form. */
export function wordPattern(alternatives: readonly string[]): RegExp {
  // Word boundaries by hand so that "*" (as in "f***") counts as part of a word.
  return new RegExp(`(?<![a-z0-9*])(?:${alternatives.join('|')})(?![a-z0-9*])`);
}

/**
 * Matches a whole message (or clause) made only of the given keywords, repeated or not
 * ("STOP STOP"), once `fillers` have been removed.
 */
export function wholePattern(keywords: readonly string[]): RegExp {
  return new RegExp(`^(?:(?:${keywords.join('|')})(?: |$))+$`);
}

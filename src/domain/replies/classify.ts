/**
 * Rule-based classification of tenant replies in English and Spanish (SPEC R12).
 *
 * Pure: the reply's local date is an argument, nothing reads the clock. Every pattern is
 * compiled once at module load from the word lists in lexicon.en.ts and lexicon.es.ts;
 * a call folds the text once (normalize.ts) and runs a fixed set of linear matchers.
 *
 * Both lexicons are applied to every reply (tenants mix languages: "Por favor STOP");
 * the detected language only decides how numeric dates read (month/day in English,
 * day/month in Spanish) and is reported.
 */
import { isLocalDate, type LocalDate } from '../dates.js';
import { findAmounts, findDates, firstAfter, payAnchor, type Language } from './extract.js';
import { EN } from './lexicon.en.js';
import { ES } from './lexicon.es.js';
import { normalizeReply, wholePattern, wordPattern, type Lexicon } from './normalize.js';

export type ReplyIntent =
  | 'opt_out'
  | 'opt_in'
  | 'help'
  | 'promise_to_pay'
  | 'paid_claim'
  | 'dispute'
  | 'hardship'
  | 'payment_plan_request'
  | 'legal'
  | 'wrong_number'
  | 'hostile'
  | 'other';

/** When a reply mixes intents, the first of these wins (R12). */
export const INTENT_PRECEDENCE: ReplyIntent[] = [
  'opt_out',
  'legal',
  'hostile',
  'paid_claim',
  'dispute',
  'promise_to_pay',
  'payment_plan_request',
  'hardship',
  'wrong_number',
  'opt_in',
  'help',
  'other',
];

export interface ReplyClassification {
  intent: ReplyIntent;
  /** Every intent detected, in precedence order. */
  intents: ReplyIntent[];
  language: 'en' | 'es';
  /** For promise_to_pay and payment_plan_request: the first promised amount. */
  amountCents?: number;
  /** YYYY-MM-DD, resolved against the reply date. */
  promisedDate?: string;
  /** STOPALL / "stop all": every channel; otherwise the channel the reply came on. */
  optOutScope?: 'channel' | 'all';
}

// ---------------------------------------------------------------------------------------
// Matchers, compiled once

type ListKey = {
  [K in keyof Lexicon]: Lexicon[K] extends readonly string[] ? K : never;
}[keyof Lexicon];

const listOf = (key: ListKey): string[] => [...EN[key], ...ES[key]];
const matcher = (key: ListKey): RegExp => wordPattern(listOf(key));

const FILLERS = new RegExp(`(?<![a-z0-9*])(?:${listOf('fillers').join('|')})(?![a-z0-9*])`, 'g');
const SPACES = / {2,}/g;

const WHOLE_OPT_OUT = wholePattern(listOf('optOutKeywords'));
const CLAUSE_OPT_OUT = wholePattern(listOf('optOutClauseKeywords'));
const WHOLE_OPT_IN = wholePattern(listOf('optInKeywords'));
const WHOLE_HELP = wholePattern(listOf('helpKeywords'));

const OPT_OUT = matcher('optOut');
const OPT_OUT_ALL = wordPattern([...EN.optOutAll, ...ES.optOutAll]);
const OPT_IN = matcher('optIn');
const HELP = matcher('help');
const PROMISE = matcher('promise');
const PAY_MENTION = matcher('payMention');
const PAYMENT_PLAN = matcher('paymentPlan');
const PAID_CLAIM = matcher('paidClaim');
const DISPUTE = matcher('dispute');
const HARDSHIP = matcher('hardship');
const LEGAL = matcher('legal');
const WRONG_NUMBER = matcher('wrongNumber');
const HOSTILE = matcher('hostile');
/** 🖕 and 🤬 are hostile on their own. */
const HOSTILE_EMOJI = /\u{1F595}|\u{1F92C}/u;
const QUESTION_START = new RegExp(`^(?:${listOf('questionWords').join('|')})(?: |$)`);

const EN_MARKERS: ReadonlySet<string> = new Set(EN.markers);
const ES_MARKERS: ReadonlySet<string> = new Set(ES.markers);

function detectLanguage(tokens: readonly string[]): Language {
  let en = 0;
  let es = 0;
  for (const t of tokens) {
    if (EN_MARKERS.has(t)) en++;
    if (ES_MARKERS.has(t)) es++;
  }
  return es > en ? 'es' : 'en';
}

const withoutFillers = (words: string) => words.replace(FILLERS, ' ').replace(SPACES, ' ').trim();

// ---------------------------------------------------------------------------------------

/**
 * Classifies one inbound reply. `replyDate` is the reply's local date (YYYY-MM-DD); promised
 * dates are resolved against it (see extract.ts). Never throws: any string gets an intent.
 */
export function classifyReply(text: string, replyDate: string): ReplyClassification {
  const raw = typeof text === 'string' ? text : String(text ?? '');
  const n = normalizeReply(raw);
  const words = n.words;
  const bare = withoutFillers(words);
  const language = detectLanguage(n.tokens);
  const found = new Set<ReplyIntent>();

  // opt_out: a carrier keyword as the whole message (or a whole clause: "STOP. I paid"),
  // or a plain-language request to stop anywhere in it.
  const optOut =
    WHOLE_OPT_OUT.test(bare) ||
    n.segments.some((s) => CLAUSE_OPT_OUT.test(withoutFillers(s))) ||
    OPT_OUT.test(words);
  if (optOut) found.add('opt_out');
  if (LEGAL.test(words)) found.add('legal');
  if (HOSTILE.test(words) || HOSTILE_EMOJI.test(raw)) found.add('hostile');

  const paid = PAID_CLAIM.test(words);
  if (paid) found.add('paid_claim');
  if (DISPUTE.test(words)) found.add('dispute');

  const validDate = isLocalDate(replyDate);
  const dates = validDate ? findDates(n.text, language, replyDate as LocalDate) : [];
  const amounts = findAmounts(n.text);
  const payMention = PAY_MENTION.test(words);
  const hardship = HARDSHIP.test(words);

  // Two promised amounts ("300 on friday and 300 on the 23rd") are a plan.
  const plan = PAYMENT_PLAN.test(words) || (payMention && amounts.length >= 2);
  // A plan request subsumes the promise inside it ("half now, half on the 15th").
  let promise =
    !plan &&
    (PROMISE.test(words) || (!paid && payMention && (dates.length > 0 || amounts.length > 0)));
  // "A promise with a concrete date beats hardship": a dateless promise told with a
  // hardship ("lost my job, I'll pay when I can") is the hardship.
  if (promise && hardship && dates.length === 0) promise = false;
  if (promise) found.add('promise_to_pay');
  if (plan) found.add('payment_plan_request');
  if (hardship) found.add('hardship');

  if (WRONG_NUMBER.test(words)) found.add('wrong_number');
  if (WHOLE_OPT_IN.test(bare) || OPT_IN.test(words)) found.add('opt_in');
  if (WHOLE_HELP.test(bare) || HELP.test(words)) found.add('help');
  // A bare question ("Is the office open Saturday?") asks for information.
  if (
    found.size === 0 &&
    n.question &&
    n.segments.some((s) => QUESTION_START.test(withoutFillers(s)))
  ) {
    found.add('help');
  }

  const intents = INTENT_PRECEDENCE.filter((i) => found.has(i));
  if (intents.length === 0) intents.push('other');
  const intent = intents[0]!;
  const result: ReplyClassification = { intent, intents, language };

  if (intent === 'promise_to_pay' || intent === 'payment_plan_request') {
    const anchor = payAnchor(n.text);
    const amountCents = firstAfter(amounts, anchor);
    const promisedDate = firstAfter(dates, anchor);
    if (amountCents !== undefined) result.amountCents = amountCents;
    if (promisedDate !== undefined) result.promisedDate = promisedDate;
  } else if (intent === 'opt_out') {
    result.optOutScope = OPT_OUT_ALL.test(words) ? 'all' : 'channel';
  }
  return result;
}

/**
 * `classifyReply` of a reply event, worked out once per event object: a scan's evaluator
 * and its readiness facts both read every reply of a lease. The result is shared: treat it
 * as read-only.
 */
const classifiedReplies = new WeakMap<object, { date: string; result: ReplyClassification }>();
export function classifyReplyEvent(
  reply: { text: string },
  replyDate: string,
): ReplyClassification {
  const seen = classifiedReplies.get(reply);
  if (seen && seen.date === replyDate) return seen.result;
  // Tenants send the same few words ("STOP", "ok", "I'll pay Friday") again and again: a
  // text already classified on that date is not classified again.
  const key = `${replyDate}\u0000${reply.text}`;
  let result = classifiedTexts.get(key);
  if (!result) {
    result = deepFreeze(classifyReply(reply.text, replyDate));
    if (classifiedTexts.size >= CLASSIFIED_TEXTS_MAX) classifiedTexts.clear();
    classifiedTexts.set(key, result);
  }
  classifiedReplies.set(reply, { date: replyDate, result });
  return result;
}

/** Classifications by date and text (a pure function of both), at most this many kept. */
const CLASSIFIED_TEXTS_MAX = 20_000;
const classifiedTexts = new Map<string, ReplyClassification>();

/** Shared between leases: frozen, so a reader that changed it would fail, not leak. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

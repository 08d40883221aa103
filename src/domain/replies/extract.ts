/**
 * Amount and date extraction for promises and payment-plan requests (SPEC R12).
 *
 * Reads the `text` form of normalize.ts (lower case, no accents, no apostrophes, `$ . , /`
 * kept). Every date is resolved against the reply's local date, never the clock:
 * - a weekday ("friday", "el viernes", "next Friday") is its next occurrence strictly after
 *   the reply date; "next Friday" and "this Friday" read the same as "Friday" (R12 says
 *   "a weekday" without qualification, and "next" is ambiguous in everyday use);
 * - a day of the month ("the 15th", "on the 15", "el 15", "el día 15") is the next such date
 *   on or after the reply date, skipping months that lack the day (the 31st of November
 *   is the 31st of December); a weekday with a day number ("Friday the 9th", "el lunes 12")
 *   is read as that day of the month;
 * - "end of the month" / "fin de mes" is the last day of the reply's month;
 * - "today" / "hoy" / "tonight" is the reply date, "tomorrow" / "mañana" +1,
 *   "pasado mañana" +2, "in N days" +N;
 * - "next week" / "la próxima semana" / "in a week" is the reply date + 7 days (our choice:
 *   one week later, not the Monday of next week);
 * - "this weekend" / "el fin de semana" is the next Saturday strictly after the reply date;
 * - numeric dates are month/day in English and day/month in Spanish ("10/16" en and
 *   "16/10" es are both 16 October), the next occurrence on or after the reply date unless
 *   a year is written;
 * - a month name with a day ("Oct 15", "15 de octubre") is its next occurrence on or after.
 * Past references ("last Friday", "el viernes pasado", "yesterday") are not promised dates.
 */
import { addDays, daysInMonth, weekday, type LocalDate } from '../dates.js';

export type Language = 'en' | 'es';

/** Something found in the text, with where it starts (for "the first after the pay word"). */
export interface Mention<T> {
  readonly index: number;
  readonly end: number;
  readonly value: T;
}

// ---------------------------------------------------------------------------------------
// Vocabulary

const WEEKDAY_WORDS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [0, ['sunday', 'sundy', 'domingo']],
  [1, ['monday', 'mon', 'munday', 'monady', 'lunes']],
  [2, ['tuesday', 'tues', 'tue', 'tusday', 'teusday', 'tuseday', 'martes']],
  [
    3,
    [
      'wednesday',
      'weds',
      'wed',
      'wensday',
      'wednsday',
      'wendsday',
      'wedensday',
      'wednessday',
      'miercoles',
      'mierc',
    ],
  ],
  [4, ['thursday', 'thurs', 'thur', 'thu', 'thrusday', 'thursay', 'thurday', 'jueves']],
  [
    5,
    [
      'friday',
      'fri',
      'firday',
      'fryday',
      'fridy',
      'frday',
      'friady',
      'viernes',
      'vierne',
      'biernes',
    ],
  ],
  [6, ['saturday', 'saterday', 'saturady', 'satruday', 'sabado', 'sab']],
];
const WEEKDAY_OF = new Map<string, number>();
for (const [n, names] of WEEKDAY_WORDS) for (const name of names) WEEKDAY_OF.set(name, n);

const MONTH_WORDS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [1, ['january', 'jan', 'enero']],
  [2, ['february', 'feb', 'febrero']],
  [3, ['march', 'mar', 'marzo']],
  [4, ['april', 'apr', 'abril']],
  [5, ['may', 'mayo']],
  [6, ['june', 'jun', 'junio']],
  [7, ['july', 'jul', 'julio']],
  [8, ['august', 'aug', 'agosto']],
  [9, ['september', 'sept', 'sep', 'septiembre', 'setiembre']],
  [10, ['october', 'oct', 'octubre']],
  [11, ['november', 'nov', 'noviembre']],
  [12, ['december', 'dec', 'diciembre']],
];
const MONTH_OF = new Map<string, number>();
for (const [n, names] of MONTH_WORDS) for (const name of names) MONTH_OF.set(name, n);

const byLengthDesc = (words: Iterable<string>) =>
  [...words].sort((a, b) => b.length - a.length).join('|');
const WEEKDAY_ALT = byLengthDesc(WEEKDAY_OF.keys());
const MONTH_ALT = byLengthDesc(MONTH_OF.keys());

const SMALL_NUMBERS: Record<string, number> = {
  a: 1,
  one: 1,
  two: 2,
  couple: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  un: 1,
  una: 1,
  uno: 1,
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  seis: 6,
  siete: 7,
  par: 2,
};

/** Number words for amounts ("five hundred dollars", "quinientos dólares"). */
const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  hundred: 100,
  thousand: 1000,
  un: 1,
  uno: 1,
  una: 1,
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  seis: 6,
  siete: 7,
  ocho: 8,
  nueve: 9,
  diez: 10,
  once: 11,
  doce: 12,
  trece: 13,
  catorce: 14,
  quince: 15,
  dieciseis: 16,
  diecisiete: 17,
  dieciocho: 18,
  diecinueve: 19,
  veinte: 20,
  veintiuno: 21,
  veintidos: 22,
  veintitres: 23,
  veinticuatro: 24,
  veinticinco: 25,
  treinta: 30,
  cuarenta: 40,
  cincuenta: 50,
  sesenta: 60,
  setenta: 70,
  ochenta: 80,
  noventa: 90,
  cien: 100,
  ciento: 100,
  doscientos: 200,
  trescientos: 300,
  cuatrocientos: 400,
  quinientos: 500,
  seiscientos: 600,
  setecientos: 700,
  ochocientos: 800,
  novecientos: 900,
  mil: 1000,
};
/** Words that scale what came before them rather than add to it. */
const MULTIPLIERS = new Set(['hundred', 'thousand', 'mil']);

// ---------------------------------------------------------------------------------------
// Patterns (compiled once; `g` patterns are only used through matchAll, which copies them)

const B = '(?<![a-z0-9])';
const E = '(?![a-z0-9])';
const CURRENCY_AFTER = '\\s?(?:dollars?|dolares?|dollares|dolar|dlls?|dls|bucks|usd|pesos|\\$)';
const NOT_DAY_AFTER = `(?![0-9/.,:]|${CURRENCY_AFTER}|\\s?(?:%|percent|am|pm|a\\.m|p\\.m|hrs|horas?|hours?|minutes?|minutos|days?|dias?|weeks?|semanas?|months?|meses|mil|k\\b))`;

interface DatePattern {
  readonly re: RegExp;
  /** Lower wins when two mentions overlap. */
  readonly priority: number;
  readonly resolve: (
    m: RegExpMatchArray,
    reply: LocalDate,
    lang: Language,
  ) => LocalDate | null | undefined;
}

const DATE_PATTERNS: readonly DatePattern[] = [
  // Month name and day: "oct 15", "october 15th", "15 de octubre", "15th of october"
  {
    re: new RegExp(
      `${B}(${MONTH_ALT})\\.? (\\d{1,2})(?:st|nd|rd|th)?(?![0-9:])(?:,? (\\d{4}))?`,
      'g',
    ),
    priority: 1,
    resolve: (m, reply) =>
      monthDay(reply, MONTH_OF.get(m[1]!)!, Number(m[2]), m[3] ? Number(m[3]) : undefined),
  },
  {
    re: new RegExp(
      `${B}(\\d{1,2})(?:st|nd|rd|th)? (?:of |de )?(${MONTH_ALT})${E}(?:,? (?:de |del )?(\\d{4}))?`,
      'g',
    ),
    priority: 1,
    resolve: (m, reply) =>
      monthDay(reply, MONTH_OF.get(m[2]!)!, Number(m[1]), m[3] ? Number(m[3]) : undefined),
  },
  // Numeric: month/day in English, day/month in Spanish
  {
    re: /(?<![0-9$.,/])(\d{1,2})\/(\d{1,2})(?:\/(\d{4}|\d{2}))?(?![0-9/])/g,
    priority: 2,
    resolve: (m, reply, lang) => {
      const a = Number(m[1]);
      const b = Number(m[2]);
      if (!m[3] && isFraction(a, b) && !DATE_PREPOSITION_BEFORE.test(m.input!.slice(0, m.index)))
        return null;
      const year = m[3] ? (m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3])) : undefined;
      return lang === 'es' ? monthDay(reply, b, a, year) : monthDay(reply, a, b, year);
    },
  },
  {
    re: new RegExp(`${B}(?:pasado manana|day after tomorrow)${E}`, 'g'),
    priority: 2,
    resolve: (_m, reply) => addDays(reply, 2),
  },
  {
    re: new RegExp(
      `${B}(?:end of (?:the |this )?month|end of month|month end|eom|fin de mes|fin del mes|finales? de(?:l)? mes|fines de(?:l)? mes|final del mes|ultimo dia del mes|last day of (?:the |this )?month)${E}`,
      'g',
    ),
    priority: 2,
    resolve: (_m, reply) => endOfMonth(reply, 0),
  },
  {
    re: new RegExp(
      `${B}(?:end of next month|fin del (?:proximo|siguiente) mes|finales? del (?:proximo|siguiente) mes)${E}`,
      'g',
    ),
    priority: 2,
    resolve: (_m, reply) => endOfMonth(reply, 1),
  },
  {
    re: new RegExp(
      `${B}(?:(?:first|1st|beginning|start) of (?:the |next |the next )?month|principios? de(?:l)? (?:proximo |siguiente )?mes|primero de(?:l)? (?:proximo |siguiente )?mes|inicios? de(?:l)? (?:proximo |siguiente )?mes|(?:on|by|before|until) the first(?! [a-z]))${E}`,
      'g',
    ),
    priority: 2,
    resolve: (_m, reply) => dayOfMonth(reply, 1),
  },
  {
    re: new RegExp(
      `${B}(?:(?:this|the|next|este|el|on the) )?(?:weekend|fin de semana|finde)${E}`,
      'g',
    ),
    priority: 3,
    resolve: (_m, reply) => nextWeekday(reply, 6),
  },
  {
    re: new RegExp(
      `${B}(?:next week|la (?:proxima|siguiente|otra) semana|la semana (?:que viene|proxima|entrante|siguiente)|(?:in|en|within) (?:a|one|una|1) (?:week|semana))${E}`,
      'g',
    ),
    priority: 3,
    resolve: (_m, reply) => addDays(reply, 7),
  },
  {
    re: new RegExp(
      `${B}(?:in|en|within|dentro de) (\\d{1,2}|a couple(?: of)?|couple(?: of)?|two|three|four|five|six|seven|dos|tres|cuatro|cinco|seis|siete|un par de) (days?|dias?|weeks?|semanas?)${E}`,
      'g',
    ),
    priority: 3,
    resolve: (m, reply) => {
      const n = countOf(m[1]!);
      if (n === undefined || n > 60) return null;
      return addDays(reply, m[2]!.startsWith('d') ? n : n * 7);
    },
  },
  // Weekday, optionally with its day of the month ("friday the 9th", "el lunes 12")
  {
    re: new RegExp(
      `${B}(?:(last|past) )?(${WEEKDAY_ALT})s?(?![a-z0-9])(?:,? (?:the |el )?(\\d{1,2})(?:st|nd|rd|th)?${NOT_DAY_AFTER})?( pasad[oa]${E})?`,
      'g',
    ),
    priority: 4,
    resolve: (m, reply) => {
      if (m[1] || m[4]) return null; // "last friday", "el viernes pasado"
      if (m[3]) return dayOfMonth(reply, Number(m[3]));
      return nextWeekday(reply, WEEKDAY_OF.get(m[2]!)!);
    },
  },
  // Day of the month: "the 15th", "on the 15", "by the 1st", "15th"
  {
    re: /(?<![a-z0-9$.,/])(\d{1,2})(?:st|nd|rd|th)(?![a-z0-9])/g,
    priority: 5,
    resolve: (m, reply) => dayOfMonth(reply, Number(m[1])),
  },
  {
    re: new RegExp(
      `${B}(?:on|by|before|until|til|till|after|for) the (\\d{1,2})${NOT_DAY_AFTER}`,
      'g',
    ),
    priority: 5,
    resolve: (m, reply) => dayOfMonth(reply, Number(m[1])),
  },
  {
    re: new RegExp(`${B}the (\\d{1,2})${NOT_DAY_AFTER}(?! ?(?:of (?:the|it|them|you)|[a-z]))`, 'g'),
    priority: 6,
    resolve: (m, reply) => dayOfMonth(reply, Number(m[1])),
  },
  // Spanish day of the month: "el 15", "para el 15", "el día 20", "el 1ro", "el primero"
  {
    re: new RegExp(
      `${B}(?:el|del|al|para el|hasta el|antes del|despues del|dia|este|a mas tardar el) (?:dia )?(\\d{1,2})(?:ro|ero|o)?${NOT_DAY_AFTER}`,
      'g',
    ),
    priority: 5,
    resolve: (m, reply) => dayOfMonth(reply, Number(m[1])),
  },
  {
    re: new RegExp(`${B}(?:el|para el|hasta el) (?:dia )?primero${E}`, 'g'),
    priority: 5,
    resolve: (_m, reply) => dayOfMonth(reply, 1),
  },
  {
    re: new RegExp(
      `${B}(?:tomorrow|tomorow|tommorow|tommorrow|tomorro|tomarrow|tmrw|tmrrw|tmr|tmrow|tmw|tmro|2morrow|2moro|2mrw)${E}`,
      'g',
    ),
    priority: 6,
    resolve: (_m, reply) => addDays(reply, 1),
  },
  {
    // "mañana" the day, not "en la mañana" / "esta mañana" (the morning)
    re: new RegExp(`${B}(?<!(?:la|esta|una|por la|en la|de la|las) )manana${E}`, 'g'),
    priority: 6,
    resolve: (_m, reply) => addDays(reply, 1),
  },
  {
    re: new RegExp(
      `${B}(?:today|tonight|tonite|2day|2nite|this (?:morning|afternoon|evening)|later today|end of (?:the )?day|eod|hoy|esta (?:noche|tarde|manana)|hoy mismo)${E}`,
      'g',
    ),
    priority: 6,
    resolve: (_m, reply) => reply,
  },
];

const DATE_PREPOSITION_BEFORE = /(?:on|by|before|until|til|till|el|para el|hasta el|antes del) $/;
const FRACTIONS = new Set(['1/2', '1/3', '2/3', '1/4', '3/4']);
const isFraction = (a: number, b: number) => FRACTIONS.has(`${a}/${b}`);

/** Where the promise is made: dates and amounts after this are preferred. */
const PAY_ANCHOR =
  /(?<![a-z])(?:pay|pays|paying|payment|paid|send|sending|deposit|drop off|bring|take care|cover|goes out|go out|pag[a-z]*|deposit[a-z]*|mand[oa]r?[a-z]*|llev[oa]r?[a-z]*|doy|dar|darle|cancelar|abon[a-z]*|liquid[a-z]*)(?![a-z])/;

const AMOUNT_NUMBER = '(\\d{1,3}(?:,\\d{3}){1,4}|\\d{1,9})(?:\\.(\\d{1,2}))?';
const MONTHS_ES =
  'enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre';

interface AmountPattern {
  readonly re: RegExp;
  /** Index of the capture groups: whole part, decimals, thousands suffix. */
  readonly groups: readonly [number, number, number];
}

const AMOUNT_PATTERNS: readonly AmountPattern[] = [
  // "$500", "$1,250.50", "$ 500", "$1.5k"
  { re: new RegExp(`\\$ ?${AMOUNT_NUMBER}(?: ?(k)(?![a-z]))?(?![0-9])`, 'g'), groups: [1, 2, 3] },
  // "500 dollars", "500 dólares", "800 dlls", "500$", "usd 500"
  {
    re: new RegExp(`(?<![0-9$.,/])${AMOUNT_NUMBER}(?: ?(k))?${CURRENCY_AFTER}(?![a-z])`, 'g'),
    groups: [1, 2, 3],
  },
  { re: new RegExp(`${B}usd ?${AMOUNT_NUMBER}(?![0-9])`, 'g'), groups: [1, 2, 0] },
  // A bare number right after a paying verb: "pay 500 on friday", "puedo pagar 1,200 el 20"
  {
    re: new RegExp(
      `${B}(?:pay|paying|send|sending|give|do|deposit|drop off|bring|pago|pagar|pagarle|pagare|deposito|depositar|depositarle|mando|mandar|mandarle|doy|dar|darle|abonar|abono|llevo|cubrir)(?: (?:you|u|ya|le|les|te|like|about|around|maybe|como|unos|another|at least|al menos|only|solo|just))? ${AMOUNT_NUMBER}(?: ?(k)(?![a-z]))?(?![0-9/:]|st|nd|rd|th|\\s?(?:am|pm|a\\.m|p\\.m|de (?:${MONTHS_ES})|days?|dias?|weeks?|semanas?|hours?|horas?|percent|%|of (?:the|it|them)|o clock|en punto))`,
      'g',
    ),
    groups: [1, 2, 3],
  },
  // The second of two payments: "300 on friday and 300 on the 23rd", "200 hoy y 200 el viernes"
  {
    re: new RegExp(
      `${B}(?:and|y|then|plus|luego|another|otros) (\\d{1,3}(?:,\\d{3}){1,4}|\\d{2,9})(?:\\.(\\d{1,2}))?(?= (?:on|by|next|this|el|para|the|[a-z]*day|lunes|martes|miercoles|jueves|viernes|sabado|domingo|manana|tomorrow)${E})`,
      'g',
    ),
    groups: [1, 2, 0],
  },
];

const NUMBER_WORD_ALT = byLengthDesc(Object.keys(NUMBER_WORDS));
const WORD_AMOUNT = new RegExp(
  `${B}((?:${NUMBER_WORD_ALT})(?:(?: |-| and | y )(?:${NUMBER_WORD_ALT})){0,7})\\s(?:dollars?|dolares?|dlls?|bucks|usd)${E}`,
  'g',
);
const WORD_SPLIT = /(?: and | y |[ -])+/;

/** An amount right after these words is a balance or a charge, not what is promised. */
const NOT_PROMISED_BEFORE =
  /(?<![a-z])(?:owe|owed|owing|balance|is|was|were|charged?|charging|fee|fees|not|of the|de los|debo|debe|debia|adeudo|saldo|cobran|cobraron|cobro|es|son|era|total|of only|out of|instead of|en vez de|en lugar de)(?: [a-z]+)? ?\$? ?$/;

// ---------------------------------------------------------------------------------------
// Resolution

function ymd(date: LocalDate): [number, number, number] {
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}

function iso(y: number, m: number, d: number): LocalDate {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The next `wd` (0 = Sunday) strictly after `reply`. */
export function nextWeekday(reply: LocalDate, wd: number): LocalDate {
  const delta = (wd - weekday(reply) + 7) % 7;
  return addDays(reply, delta === 0 ? 7 : delta);
}

/** The next day `day` of a month on or after `reply`, skipping months without that day. */
export function dayOfMonth(reply: LocalDate, day: number): LocalDate | null {
  if (!Number.isInteger(day) || day < 1 || day > 31) return null;
  let [y, m, d] = ymd(reply);
  for (let i = 0; i < 13; i++) {
    if (day >= d && day <= daysInMonth(y, m)) return iso(y, m, day);
    d = 1;
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return null;
}

/** `month`/`day` in `year`, or without a year its next occurrence on or after `reply`. */
export function monthDay(
  reply: LocalDate,
  month: number,
  day: number,
  year?: number,
): LocalDate | null {
  if (
    !Number.isInteger(month) ||
    month < 1 ||
    month > 12 ||
    !Number.isInteger(day) ||
    day < 1 ||
    day > 31
  )
    return null;
  if (year !== undefined) {
    // A written year is taken as written, but a promise cannot be for a day already past.
    const written = day <= daysInMonth(year, month) ? iso(year, month, day) : null;
    return written !== null && written >= reply ? written : null;
  }
  const [ry] = ymd(reply);
  for (let y = ry; y < ry + 9; y++) {
    if (day > daysInMonth(y, month)) continue; // 29 February
    const candidate = iso(y, month, day);
    if (candidate >= reply) return candidate;
  }
  return null;
}

/** The last day of the reply's month, or of a later one. */
export function endOfMonth(reply: LocalDate, monthsLater: number): LocalDate {
  let [y, m] = ymd(reply);
  m += monthsLater;
  while (m > 12) {
    m -= 12;
    y += 1;
  }
  return iso(y, m, daysInMonth(y, m));
}

const DIGITS = /^\d+$/;
const COMMAS = /,/g;

function countOf(word: string): number | undefined {
  if (DIGITS.test(word)) return Number(word);
  const first = word.split(' ').find((w) => w in SMALL_NUMBERS);
  return first === undefined ? undefined : SMALL_NUMBERS[first];
}

// ---------------------------------------------------------------------------------------
// Finding

/** Every future date mentioned, in text order, overlapping mentions resolved by priority. */
export function findDates(text: string, lang: Language, reply: LocalDate): Mention<LocalDate>[] {
  const found: Array<Mention<LocalDate | null> & { priority: number }> = [];
  for (const p of DATE_PATTERNS) {
    for (const m of text.matchAll(p.re)) {
      const index = m.index;
      const value = p.resolve(m, reply, lang) ?? null;
      found.push({ index, end: index + m[0].length, value, priority: p.priority });
    }
  }
  found.sort((a, b) => a.priority - b.priority || a.index - b.index || b.end - a.end);
  const taken = new Uint8Array(text.length);
  const kept: Array<Mention<LocalDate | null>> = [];
  for (const f of found) {
    if (!claimSpan(taken, f.index, f.end)) continue;
    kept.push(f);
  }
  return kept
    .filter((k): k is Mention<LocalDate> => k.value !== null)
    .sort((a, b) => a.index - b.index);
}

/** Marks [start, end) as used unless part of it already is (overlapping mentions). */
function claimSpan(taken: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (taken[i]) return false;
  taken.fill(1, start, end);
  return true;
}

function toCents(
  whole: string,
  decimals: string | undefined,
  thousands: string | undefined,
): number | null {
  const units = Number(whole.replace(COMMAS, ''));
  if (!Number.isFinite(units)) return null;
  const cents = decimals ? Number(decimals.padEnd(2, '0')) : 0;
  const total = thousands ? Math.round((units + cents / 100) * 1000 * 100) : units * 100 + cents;
  return Number.isSafeInteger(total) && total > 0 ? total : null;
}

function wordsToNumber(phrase: string): number | null {
  let total = 0;
  let current = 0;
  for (const w of phrase.split(WORD_SPLIT)) {
    const v = NUMBER_WORDS[w];
    if (v === undefined) return null;
    if (w === 'hundred') current = (current || 1) * 100;
    else if (MULTIPLIERS.has(w)) {
      total += (current || 1) * v;
      current = 0;
    } else current += v;
  }
  const n = total + current;
  return n > 0 ? n : null;
}

/** Every amount mentioned as money, in text order, with balances and charges left out. */
export function findAmounts(text: string): Mention<number>[] {
  const found: Array<Mention<number>> = [];
  const taken = new Uint8Array(text.length);
  const claim = (index: number, end: number, value: number | null) => {
    if (value === null) return;
    if (NOT_PROMISED_BEFORE.test(text.slice(Math.max(0, index - 30), index))) return;
    if (claimSpan(taken, index, end)) found.push({ index, end, value });
  };
  for (const p of AMOUNT_PATTERNS) {
    for (const m of text.matchAll(p.re)) {
      const [w, d, k] = p.groups;
      const whole = m[w];
      if (whole === undefined) continue;
      const start = m.index + m[0].lastIndexOf(whole); // where the number starts
      claim(start, m.index + m[0].length, toCents(whole, m[d], k ? m[k] : undefined));
    }
  }
  for (const m of text.matchAll(WORD_AMOUNT)) {
    const n = wordsToNumber(m[1]!);
    claim(m.index, m.index + m[0].length, n === null ? null : n * 100);
  }
  return found.sort((a, b) => a.index - b.index);
}

/** Where the promise is made (the first paying word), or -1. */
export function payAnchor(text: string): number {
  const m = PAY_ANCHOR.exec(text);
  return m ? m.index : -1;
}

/** The first mention after the paying word, else the first mention. */
export function firstAfter<T>(mentions: readonly Mention<T>[], anchor: number): T | undefined {
  if (anchor >= 0) {
    const after = mentions.find((x) => x.index >= anchor);
    if (after) return after.value;
  }
  return mentions[0]?.value;
}

/**
 * SPEC R12 reply classification: focused examples from the rule, the labelled reply set
 * (test/fixtures/replies/labelled.jsonl) with per-intent precision and recall, and a
 * property that any string gets an intent.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  classifyReply,
  INTENT_PRECEDENCE,
  type ReplyClassification,
  type ReplyIntent,
} from './classify.js';

const WED = '2026-10-07'; // a Wednesday
const FRI = '2026-10-09';

const intentOf = (text: string, date = WED) => classifyReply(text, date).intent;

describe('R12 precedence', () => {
  it('lists the intents in the order of R12', () => {
    expect(INTENT_PRECEDENCE).toEqual([
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
    ]);
  });

  it('picks the first detected intent and reports all of them in order', () => {
    expect(classifyReply('stop texting me I already paid', WED)).toMatchObject({
      intent: 'opt_out',
      intents: ['opt_out', 'paid_claim'],
    });
    expect(classifyReply('I already paid and my lawyer has the receipt', WED).intents).toEqual([
      'legal',
      'paid_claim',
    ]);
    expect(classifyReply('Why was I charged a late fee? I paid on the 3rd', WED).intents).toEqual([
      'paid_claim',
      'dispute',
    ]);
    expect(classifyReply('Stupid idiots, I paid already', WED).intent).toBe('hostile');
  });

  it('lets a promise with a concrete date beat hardship', () => {
    expect(classifyReply("I lost my job but I'll pay $300 on Monday", WED)).toMatchObject({
      intent: 'promise_to_pay',
      intents: ['promise_to_pay', 'hardship'],
      amountCents: 30000,
      promisedDate: '2026-10-12',
    });
    expect(classifyReply('perdí mi trabajo pero le pago el lunes', WED).intent).toBe(
      'promise_to_pay',
    );
    // Without a date the hardship is the message.
    expect(intentOf('lost my job but I will pay when I find something')).toBe('hardship');
    expect(intentOf('estoy enferma, le pago cuando pueda')).toBe('hardship');
  });
});

describe('R12 opt-out', () => {
  const keywords = [
    'STOP',
    'STOPALL',
    'STOP ALL',
    'UNSUBSCRIBE',
    'CANCEL',
    'END',
    'QUIT',
    'REVOKE',
    'OPT OUT',
  ];
  const spanish = ['BAJA', 'ALTO', 'PARAR', 'CANCELAR'];

  it.each([...keywords, ...spanish])('%s as the whole message, in any dress, opts out', (kw) => {
    for (const text of [
      kw,
      kw.toLowerCase(),
      `${kw}!!`,
      `${kw}.`,
      `${kw} 🛑`,
      `please ${kw}`,
      `${kw} please`,
      `Por favor ${kw}`,
      `  ${kw.toLowerCase()} por favor 🙏 `,
    ]) {
      expect(intentOf(text), text).toBe('opt_out');
    }
  });

  it('recognises carrier keywords with typical SMS noise', () => {
    for (const text of [
      'STOP!!',
      'Stop 🛑',
      'stop please',
      'Por favor BAJA',
      'pls stop texting me',
      'OPT-OUT',
      'Stop.',
      'STOP STOP',
    ]) {
      expect(intentOf(text), text).toBe('opt_out');
    }
  });

  it('scopes STOPALL and "stop all" to every channel, other opt-outs to the channel', () => {
    expect(classifyReply('STOPALL', WED).optOutScope).toBe('all');
    expect(classifyReply('stop all', WED).optOutScope).toBe('all');
    expect(classifyReply('Stop all messages please', WED).optOutScope).toBe('all');
    expect(classifyReply('STOP', WED).optOutScope).toBe('channel');
    expect(classifyReply('BAJA', WED).optOutScope).toBe('channel');
    expect(classifyReply('no me manden más mensajes', WED).optOutScope).toBe('channel');
  });

  it('recognises a plain-language request to stop anywhere in the message', () => {
    for (const text of [
      'stop texting me',
      'quit texting me',
      "don't text me anymore",
      'remove me from this list',
      'Hi, can you please stop texting me? I will call the office',
      'no me manden más mensajes',
      'no me manden mas mensajes',
      'dejen de escribirme',
      'ya no quiero recibir mensajes',
      'quiero darme de baja',
      'STOP. I already paid',
      'Revoke consent',
    ]) {
      expect(intentOf(text), text).toBe('opt_out');
    }
  });

  it('does not opt out on a keyword used in another sense', () => {
    expect(intentOf("I'll stop by the office")).toBe('other');
    expect(intentOf("I'll stop by the office Friday")).toBe('other');
    expect(intentOf('quit charging me for water')).toBe('dispute');
    expect(classifyReply('voy a cancelar el saldo', WED).intent).toBe('promise_to_pay');
    expect(classifyReply('voy a cancelar el saldo el viernes', WED)).toMatchObject({
      intent: 'promise_to_pay',
      promisedDate: FRI,
    });
    expect(classifyReply('I will end up paying Friday', WED)).toMatchObject({
      intent: 'promise_to_pay',
      promisedDate: FRI,
    });
    expect(intentOf('El cargo es muy alto')).toBe('dispute');
    expect(intentOf('Me dieron de baja en el trabajo')).toBe('hardship');
    expect(intentOf('I want to cancel my lease')).toBe('other');
    expect(intentOf('Sorry I texted stop by mistake, please keep texting me')).toBe('opt_in');
  });
});

describe('R12 opt-in and help', () => {
  it.each(['START', 'UNSTOP', 'ALTA', 'start', 'Alta por favor'])('%s opts in', (text) => {
    expect(intentOf(text)).toBe('opt_in');
  });

  it('recognises a plain-language request to receive messages again', () => {
    expect(intentOf('You can text me again')).toBe('opt_in');
    expect(intentOf('quiero recibir mensajes otra vez')).toBe('opt_in');
  });

  it.each(['HELP', 'AYUDA', 'INFO', 'help!', 'Ayuda por favor'])('%s asks for help', (text) => {
    expect(intentOf(text)).toBe('help');
  });

  it('reads a question asking for help or information as help', () => {
    expect(intentOf('How much do I owe?')).toBe('help');
    expect(intentOf('¿Cómo puedo pagar?')).toBe('help');
    expect(intentOf('Is the office open Saturday?')).toBe('help');
  });
});

describe('R12 other intents', () => {
  it.each<[string, ReplyIntent]>([
    ['I already paid', 'paid_claim'],
    ['ya pagué', 'paid_claim'],
    ['paid yesterday', 'paid_claim'],
    ['sent it via zelle', 'paid_claim'],
    ["that's not my charge", 'dispute'],
    ["I don't owe that", 'dispute'],
    ['the fee is wrong', 'dispute'],
    ['no debo eso', 'dispute'],
    ['ese cargo no es mío', 'dispute'],
    ['I lost my job', 'hardship'],
    ["I'm in the hospital", 'hardship'],
    ['perdí mi trabajo', 'hardship'],
    ['estoy enfermo', 'hardship'],
    ['can I pay in installments', 'payment_plan_request'],
    ['pay half now half on the 15th', 'payment_plan_request'],
    ['¿puedo pagar en partes?', 'payment_plan_request'],
    ['talk to my lawyer', 'legal'],
    ['my attorney will call you', 'legal'],
    ["I'll sue", 'legal'],
    ['abogado', 'legal'],
    ['tenemos una demanda', 'legal'],
    ['tenant union legal aid is helping me', 'legal'],
    ['wrong number', 'wrong_number'],
    ["who is this? I don't rent there", 'wrong_number'],
    ['número equivocado', 'wrong_number'],
    ['fuck off', 'hostile'],
    ['vete a la mierda', 'hostile'],
    ['ok thanks', 'other'],
  ])('%s → %s', (text, intent) => {
    expect(intentOf(text)).toBe(intent);
  });
});

describe('R12 promised dates, resolved against the reply date', () => {
  const dateOf = (text: string, date = WED) => classifyReply(text, date).promisedDate;

  it('takes a weekday as its next occurrence strictly after the reply date', () => {
    expect(dateOf("I'll pay Friday")).toBe(FRI);
    expect(dateOf("I'll pay Wednesday")).toBe('2026-10-14'); // same weekday → a week later
    expect(dateOf("I'll pay Friday", FRI)).toBe('2026-10-16');
    expect(dateOf('le pago el viernes')).toBe(FRI);
    expect(dateOf('le pago el miércoles')).toBe('2026-10-14');
    expect(dateOf("I'll pay next Friday")).toBe(FRI); // documented choice: "next" reads as the weekday
  });

  it('takes a day of the month as the next such date on or after the reply date', () => {
    expect(dateOf('I can pay on the 15th')).toBe('2026-10-15');
    expect(dateOf('I can pay on the 15')).toBe('2026-10-15');
    expect(dateOf("I'll pay on the 7th")).toBe(WED); // the reply date itself
    expect(dateOf("I'll pay on the 5th")).toBe('2026-11-05');
    expect(dateOf('le pago el 15')).toBe('2026-10-15');
    expect(dateOf('pago el 15', '2026-10-16')).toBe('2026-11-15');
    expect(dateOf("I'll pay on the 31st", '2026-11-05')).toBe('2026-12-31'); // November has no 31st
    expect(dateOf("I'll pay on the 5th", '2026-12-20')).toBe('2027-01-05');
  });

  it('takes "end of the month" / "fin de mes" as its last day', () => {
    expect(dateOf("I'll pay at the end of the month")).toBe('2026-10-31');
    expect(dateOf('pagaré a fin de mes', '2027-02-03')).toBe('2027-02-28');
    expect(dateOf('pagaré a fin de mes', '2028-02-03')).toBe('2028-02-29');
    expect(dateOf("I'll pay at the end of the month", '2026-10-31')).toBe('2026-10-31');
  });

  it('reads relative days', () => {
    expect(dateOf("I'll pay tomorrow")).toBe('2026-10-08');
    expect(dateOf('le pago mañana')).toBe('2026-10-08');
    expect(dateOf('mañana en la mañana le pago')).toBe('2026-10-08');
    expect(dateOf("I'll pay today")).toBe(WED);
    expect(dateOf('hoy le pago')).toBe(WED);
    expect(dateOf('pasado mañana le pago')).toBe(FRI);
    expect(dateOf("I'll pay next week")).toBe('2026-10-14'); // documented choice: +7 days
    expect(dateOf('le pago la próxima semana')).toBe('2026-10-14');
    expect(dateOf("I'll pay tomorrow", '2026-12-31')).toBe('2027-01-01');
  });

  it('reads numeric dates month/day in English and day/month in Spanish', () => {
    expect(classifyReply("I'll pay 10/16", WED)).toMatchObject({
      language: 'en',
      promisedDate: '2026-10-16',
    });
    expect(classifyReply('le pago el 16/10', WED)).toMatchObject({
      language: 'es',
      promisedDate: '2026-10-16',
    });
    expect(dateOf("I'll pay 1/5", '2026-12-20')).toBe('2027-01-05');
    expect(dateOf('le pago el 5/1', '2026-12-20')).toBe('2027-01-05');
    expect(dateOf("I'll pay 10/5", WED)).toBe('2027-10-05'); // next occurrence on or after
  });

  it('prefers the date the payment is promised for', () => {
    expect(dateOf('can I pay on the 8th? my check comes thursday')).toBe('2026-10-08');
    expect(dateOf('I lost my job on Monday but I will pay Friday')).toBe(FRI);
    expect(dateOf('Friday the 9th I will pay it all')).toBe(FRI);
    expect(dateOf('pago el lunes 12 sin falta', FRI)).toBe('2026-10-12');
  });

  it('does not depend on the clock', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-05-05T12:00:00Z'));
    expect(dateOf("I'll pay Friday")).toBe(FRI);
    expect(dateOf("I'll pay tomorrow")).toBe('2026-10-08');
  });
  afterEach(() => vi.useRealTimers());
});

describe('R12 promised amounts', () => {
  const amountOf = (text: string) => classifyReply(text, WED).amountCents;

  it.each<[string, number]>([
    ['I can pay $500 on the 15th', 50000],
    ["I'll pay 500 dollars Friday", 50000],
    ["I'll send $1,250.50 Friday", 125050],
    ['le pago 500 dólares el viernes', 50000],
    ['le pago 500 dolares el viernes', 50000],
    ['I will pay $500.00 Wednesday', 50000],
    ['puedo pagar 1,200 el 20', 120000],
    ['Will pay 650 on friday', 65000],
    ["I'll pay five hundred dollars friday", 50000],
    ['Le pago quinientos dólares el viernes', 50000],
    ['I owe $1,200 but I can pay $600 on Friday', 60000],
  ])('%s → %i cents', (text, cents) => {
    expect(amountOf(text)).toBe(cents);
  });

  it('extracts the amount for a payment-plan request too', () => {
    expect(classifyReply('can I pay $200 now and the rest on the 20th', WED)).toMatchObject({
      intent: 'payment_plan_request',
      amountCents: 20000,
      promisedDate: '2026-10-20',
    });
  });

  it('reports amounts and dates only for promises and plans', () => {
    const r = classifyReply('I sent $500 yesterday', WED);
    expect(r.intent).toBe('paid_claim');
    expect(r.amountCents).toBeUndefined();
    expect(r.promisedDate).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------

interface LabelledReply {
  text: string;
  date: string;
  intent: ReplyIntent;
  amountCents?: number;
  promisedDate?: string;
  optOutScope?: 'channel' | 'all';
}

const LABELLED: LabelledReply[] = readFileSync(
  new URL('../../../test/fixtures/replies/labelled.jsonl', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as LabelledReply);

describe('R12 labelled reply set', () => {
  const results = LABELLED.map((row) => ({ row, got: classifyReply(row.text, row.date) }));

  it('is a realistic, large enough set', () => {
    expect(LABELLED.length).toBeGreaterThanOrEqual(220);
    for (const intent of INTENT_PRECEDENCE) {
      expect(
        LABELLED.some((r) => r.intent === intent),
        intent,
      ).toBe(true);
    }
  });

  it('meets the precision and recall targets', () => {
    const rows = INTENT_PRECEDENCE.map((intent) => {
      const tp = results.filter((r) => r.row.intent === intent && r.got.intent === intent).length;
      const fp = results.filter((r) => r.row.intent !== intent && r.got.intent === intent).length;
      const fn = results.filter((r) => r.row.intent === intent && r.got.intent !== intent).length;
      const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
      const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
      return { intent, support: tp + fn, tp, fp, fn, precision, recall };
    });
    const correct = results.filter((r) => r.got.intent === r.row.intent).length;
    const accuracy = correct / results.length;
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
    const table = [
      `${'intent'.padEnd(22)} support  tp  fp  fn  precision  recall`,
      ...rows.map(
        (r) =>
          `${r.intent.padEnd(22)} ${String(r.support).padStart(7)} ${String(r.tp).padStart(3)} ${String(r.fp).padStart(3)} ${String(r.fn).padStart(3)}    ${pct(r.precision)} ${pct(r.recall)}`,
      ),
      `accuracy ${pct(accuracy)} (${correct}/${results.length})`,
      ...results
        .filter((r) => r.got.intent !== r.row.intent)
        .map(
          (r) =>
            `  miss: ${JSON.stringify(r.row.text)} labelled ${r.row.intent}, got ${r.got.intent}`,
        ),
    ].join('\n');
    console.log(table);

    const optOut = rows.find((r) => r.intent === 'opt_out')!;
    expect(optOut.recall).toBe(1);
    expect(optOut.precision).toBeGreaterThanOrEqual(0.95);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('extracts the labelled amount, date and opt-out scope exactly', () => {
    const wrong: Array<{
      text: string;
      want: Partial<ReplyClassification>;
      got: ReplyClassification;
    }> = [];
    for (const { row, got } of results) {
      const want: Partial<ReplyClassification> = {};
      if (row.amountCents !== undefined) want.amountCents = row.amountCents;
      if (row.promisedDate !== undefined) want.promisedDate = row.promisedDate;
      if (row.optOutScope !== undefined) want.optOutScope = row.optOutScope;
      const keys = Object.keys(want) as Array<keyof ReplyClassification>;
      if (keys.some((k) => got[k] !== want[k])) wrong.push({ text: row.text, want, got });
    }
    expect(wrong).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------

describe('R12 robustness', () => {
  const anyDate = fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10));
  const lexiconWords = fc.constantFrom(
    'stop',
    'STOP',
    'baja',
    'por favor',
    'please',
    'pay',
    'le pago',
    'el',
    'the',
    '15th',
    '$500',
    '1,250.50',
    '10/16',
    'friday',
    'viernes',
    'mañana',
    'fin de mes',
    'end of the month',
    'ya pagué',
    'lawyer',
    'fuck',
    '🛑',
    '🖕',
    '?',
    '.',
    'no me manden',
    'half now',
    'wrong number',
    'help',
    'START',
    'dólares',
    'in 3 days',
    '1/2',
    '31st',
    'f***',
  );
  const texts = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 200,
    }),
    fc.array(lexiconWords, { maxLength: 40 }).map((w) => w.join(' ')),
    fc.string({ unit: 'grapheme-ascii', minLength: 5_000, maxLength: 20_000 }),
  );

  it('never throws and always returns an intent of the list', () => {
    fc.assert(
      fc.property(texts, fc.oneof(anyDate, fc.string({ maxLength: 12 })), (text, date) => {
        const r = classifyReply(text, date);
        expect(INTENT_PRECEDENCE).toContain(r.intent);
        expect(r.intents[0]).toBe(r.intent);
        expect(r.intents.every((i) => INTENT_PRECEDENCE.includes(i))).toBe(true);
        expect(['en', 'es']).toContain(r.language);
        if (r.amountCents !== undefined)
          expect(Number.isSafeInteger(r.amountCents) && r.amountCents > 0).toBe(true);
        if (r.promisedDate !== undefined) expect(r.promisedDate >= date).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('stays fast on very long replies', () => {
    const long =
      'I will pay friday, stop by the office, $500 el 15 de octubre. No me manden 🛑 '.repeat(
        4_000,
      );
    const started = performance.now();
    expect(INTENT_PRECEDENCE).toContain(classifyReply(long, WED).intent);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

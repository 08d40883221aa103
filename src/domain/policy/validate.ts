/**
 * The semantic rules of a policy (SPEC 3.3), after the structural ones of the schema:
 * unique stage and action ids, stage dates that never go backwards, templates that exist,
 * have the right kind and use only catalogue fields, and — when the policy names a
 * jurisdiction and a property kind that have a pack — everything the pack says:
 *
 * - late fees: not before the statutory grace, not above a cap they break for every lease,
 *   not daily where one fee per late payment is allowed;
 * - notices: only the delivery methods the statute accepts (and companions it requires),
 *   not before the earliest day, after the notices the statute requires first;
 * - notice periods: the steps a notice precedes (filing, lockout, cut lock, the next notice,
 *   the sale) come no sooner than its period allows for any weekday of service;
 * - autopilot: a stage that relies on a rule that is unverified, or unverified in part
 *   (a fee, a notice, a step that waits for a notice, a sale), must not run without
 *   approval; the message tells the user to have counsel confirm the rule.
 *
 * Every issue names the path, the stage, the rule and its citation, and the fix.
 *
 * Which version of a jurisdiction rule is checked: with `asOf`, the rule in force that day
 * and every version taking effect later (a policy keeps running); without it, every
 * version that has no end date (the current law and any enacted future one). Pure.
 */
import { isKnownCalendar } from '../calendar/holidays.js';
import { type LocalDate, WEEKDAY_NAMES, type WeekdayName } from '../dates.js';
import { type InputIssue, MAX_REPORTED_ISSUES } from '../errors.js';
import { followUpsOf, longestNoticeSpanDays } from '../jurisdictions/deadlines.js';
import { capPercentCeiling, capUpperBoundCents } from '../jurisdictions/fee-caps.js';
import { getPack, lateFeeRuleFor, noticeRuleFor } from '../jurisdictions/index.js';
import type {
  FollowUp,
  JurisdictionPack,
  LateFeeRule,
  NoticeRule,
  RuleMeta,
} from '../jurisdictions/types.js';
import type { DeliveryMethod, PropertyKind } from '../portfolio/schema.js';
import { MERGE_FIELDS } from '../templates/fields.js';
import { analyzeTemplate } from '../templates/analyze.js';
import { LIBRARY, type TemplateKind } from '../templates/library.js';
import { formatMoney, resolveTemplate } from '../templates/render.js';
import { formatPath, type PathSegment, suggest } from '../validation.js';
import type { Action, DocumentAction, Policy, Stage } from './schema.js';

export interface ValidatePolicyOptions {
  /** Check the jurisdiction rules in force on this local date and any that start later. */
  asOf?: LocalDate;
}

/** Every semantic problem of `policy` (at most 50); empty when it is valid. */
export function validatePolicy(
  policy: Policy,
  file?: string,
  options: ValidatePolicyOptions = {},
): InputIssue[] {
  const v = new PolicyValidator(policy, file, options);
  v.run();
  return v.issues.slice(0, MAX_REPORTED_ISSUES);
}

const JURISDICTION_CODE = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;
const FIELD_PATHS = MERGE_FIELDS.map((f) => f.path);

function list(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

class PolicyValidator {
  readonly issues: InputIssue[] = [];
  private readonly stageIds: string[];

  constructor(
    private readonly policy: Policy,
    private readonly file: string | undefined,
    private readonly options: ValidatePolicyOptions,
  ) {
    this.stageIds = policy.stages.map((s) => s.id);
  }

  private label = (prefix: readonly PathSegment[]): string | undefined =>
    prefix.length === 2 && prefix[0] === 'stages' && typeof prefix[1] === 'number'
      ? this.stageIds[prefix[1]]
      : undefined;

  /** Paths already reported by a jurisdiction check (several rule versions may agree). */
  private readonly reported = new Set<string>();

  private pushOnce(check: string, path: PathSegment[], message: string): void {
    const key = `${check}\u0000${formatPath(path)}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.push(path, message);
  }

  private push(path: PathSegment[], message: string): void {
    const p = formatPath(path, this.label);
    this.issues.push(
      this.file === undefined ? { path: p, message } : { file: this.file, path: p, message },
    );
  }

  private stageRef(i: number): string {
    return `stage \`${this.stageIds[i]}\` (stages[${i}])`;
  }

  run(): void {
    this.checkSettings();
    this.checkIds();
    this.checkStageOrder();
    this.checkInlineTemplates();
    this.policy.stages.forEach((stage, i) => this.checkStage(stage, i));
    this.checkJurisdiction();
  }

  // -------------------------------------------------------------------------------------

  private checkSettings(): void {
    const p = this.policy;
    if (!isKnownCalendar(p.holidays)) {
      const hint = suggest(p.holidays, ['US', 'none', 'US-CA', 'US-TX', 'US-NY', 'US-FL']);
      this.push(
        ['holidays'],
        `unknown holiday calendar \`${p.holidays}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}: use US (federal holidays), US-XX for a state such as US-CA, or none`,
      );
    }
    if (p.sendWindow.start >= p.sendWindow.end)
      this.push(
        ['sendWindow'],
        `the send window must start before it ends (start ${p.sendWindow.start}, end ${p.sendWindow.end}); windows that cross midnight are not supported: use for example {start: "08:00", end: "20:00"}`,
      );
    if (p.reversal && !this.stageIds.includes(p.reversal.anchorStage)) {
      const hint = suggest(p.reversal.anchorStage, this.stageIds);
      this.push(
        ['reversal', 'anchorStage'],
        `no stage has id \`${p.reversal.anchorStage}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}: name the stage a payment reversal restarts at, one of ${list(this.stageIds)}`,
      );
    }
    const j = p.appliesTo.jurisdiction;
    if (j !== undefined && !JURISDICTION_CODE.test(j))
      this.push(
        ['appliesTo', 'jurisdiction'],
        `\`${j}\` is not a jurisdiction code: write it as properties do, e.g. US-CA (capital letters), or this policy never applies`,
      );
  }

  private checkIds(): void {
    const firstStage = new Map<string, number>();
    this.policy.stages.forEach((stage, i) => {
      const at = firstStage.get(stage.id);
      if (at !== undefined)
        this.push(
          ['stages', i, 'id'],
          `duplicate stage id \`${stage.id}\` (also stages[${at}]): every stage needs its own id; rename one of them`,
        );
      else firstStage.set(stage.id, i);

      const firstAction = new Map<string, number>();
      stage.actions.forEach((action, k) => {
        const atA = firstAction.get(action.id);
        if (atA !== undefined)
          this.push(
            ['stages', i, 'actions', k, 'id'],
            `duplicate action id \`${action.id}\` in stage \`${stage.id}\` (also actions[${atA}]): the action id is part of the idempotency key, so every action of a stage needs its own; rename one of them`,
          );
        else firstAction.set(action.id, k);
      });
    });
  }

  /**
   * Stage k never fires before stage k−1, so a `delinquency_start` stage whose day is
   * lower than an earlier stage's day (after the due date; `previous_stage` days add up)
   * could never fire on its own day: its dates go backwards.
   */
  private checkStageOrder(): void {
    let prevNominal: number | undefined = 0;
    let max: { day: number; index: number } | undefined;
    this.policy.stages.forEach((stage, i) => {
      let nominal: number | undefined;
      if (stage.anchor === 'delinquency_start') nominal = stage.day;
      else if (stage.anchor === 'previous_stage')
        nominal = prevNominal === undefined ? undefined : prevNominal + stage.day;
      if (stage.anchor === 'delinquency_start' && max !== undefined && stage.day < max.day) {
        const other = this.policy.stages[max.index] as Stage;
        this.push(
          ['stages', i, 'day'],
          `stage dates go backwards: day ${stage.day} is before day ${max.day} of the earlier ${this.stageRef(max.index)}, and stages fire in order; move this stage to day ${max.day} or later, or move it before \`${other.id}\``,
        );
      }
      if (nominal !== undefined && (max === undefined || nominal > max.day))
        max = { day: nominal, index: i };
      prevNominal = nominal;
    });
  }

  /** The earliest day after the due date each stage can fire (calendar days; a business day is never earlier). */
  private earliestDays(): number[] {
    const out: number[] = [];
    let prev: number | undefined;
    for (const stage of this.policy.stages) {
      const base = stage.anchor === 'previous_stage' ? (prev ?? 0) + stage.day : stage.day;
      let lb = Math.max(1, base);
      if (prev !== undefined) lb = Math.max(lb, prev, prev + stage.minGapDays);
      out.push(lb);
      prev = lb;
    }
    return out;
  }

  // -------------------------------------------------------------------------------------
  // Templates

  private templateKind(id: string): TemplateKind | undefined {
    return resolveTemplate(id, 'en', this.policy.templates)?.kind;
  }

  private checkInlineTemplates(): void {
    const templates = this.policy.templates;
    for (const [key, def] of Object.entries(templates)) {
      for (const part of ['subject', 'title', 'body'] as const) {
        const source = def[part];
        if (source === undefined) continue;
        const analysis = analyzeTemplate(source);
        for (const error of analysis.errors)
          this.push(
            ['templates', key, part],
            `the template does not parse: ${error}; fix the Liquid syntax`,
          );
        for (const field of analysis.unknown) {
          const hint = suggest(field, FIELD_PATHS);
          this.push(
            ['templates', key, part],
            `unknown merge field \`${field}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}: use a field of the catalogue, e.g. tenant.first_name, case.past_due, property.name`,
          );
        }
      }
      const dot = key.lastIndexOf('.');
      if (dot > 0) {
        const base = key.slice(0, dot);
        const baseKind = Object.hasOwn(templates, base)
          ? templates[base]?.kind
          : Object.hasOwn(LIBRARY, base)
            ? LIBRARY[base]?.kind
            : undefined;
        if (baseKind !== undefined && baseKind !== def.kind)
          this.push(
            ['templates', key, 'kind'],
            `\`${key}\` is a ${def.kind} but \`${base}\` is a ${baseKind}: every language of a template must be the same kind`,
          );
      }
    }
  }

  private checkTemplateRef(
    action: Extract<Action, { type: 'message' | 'document' }>,
    path: PathSegment[],
  ): void {
    const id = action.template;
    const kind = this.templateKind(id);
    if (kind === undefined) {
      const variants = Object.keys(this.policy.templates).filter((k) => k.startsWith(`${id}.`));
      if (variants.length > 0) {
        this.push(
          [...path, 'template'],
          `template \`${id}\` has only ${list(variants.map((v) => `\`${v}\``))}: add an English \`${id}\` under \`templates\` for tenants in other languages`,
        );
        return;
      }
      const known = [
        ...new Set(
          [...Object.keys(LIBRARY), ...Object.keys(this.policy.templates)].map((k) =>
            k.replace(/\.[a-z]{2}$/, ''),
          ),
        ),
      ];
      const hint = suggest(id, known);
      const sameKind = known.filter((k) => this.templateKind(k) === action.type);
      this.push(
        [...path, 'template'],
        `unknown template \`${id}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}: use one of ${list(sameKind)}, or define \`${id}\` under \`templates\``,
      );
      return;
    }
    if (kind !== action.type) {
      const fix =
        action.type === 'message'
          ? `send it with a document action, or use a message template such as reminder or late-notice`
          : `send it with a message action, or use a document template such as past-due-notice`;
      this.push(
        [...path, 'template'],
        `\`${id}\` is a ${kind} template but this is a ${action.type} action: ${fix}`,
      );
    }
  }

  // -------------------------------------------------------------------------------------

  private checkStage(stage: Stage, i: number): void {
    const w = stage.when;
    if (
      w?.minPastDueCents !== undefined &&
      w.maxPastDueCents !== undefined &&
      w.minPastDueCents > w.maxPastDueCents
    )
      this.push(
        ['stages', i, 'when'],
        `minPastDueCents (${w.minPastDueCents}) is above maxPastDueCents (${w.maxPastDueCents}), so stage \`${stage.id}\` could never apply; swap or correct them`,
      );
    stage.actions.forEach((action, k) => {
      const path: PathSegment[] = ['stages', i, 'actions', k];
      if (action.type === 'message') {
        this.checkTemplateRef(action, path);
        if (action.fallback !== undefined && action.fallback === action.channel)
          this.push(
            [...path, 'fallback'],
            `the fallback channel is the same as the channel (${action.channel}): choose another channel, e.g. ${action.channel === 'email' ? 'sms' : 'email'}, or remove the fallback`,
          );
      } else if (action.type === 'document') {
        this.checkTemplateRef(action, path);
      }
    });
  }

  // -------------------------------------------------------------------------------------
  // Jurisdiction packs

  /** Dates at which to look rules up so every relevant version is seen once. */
  private lookupDates(rules: readonly RuleMeta[]): LocalDate[] {
    const asOf = this.options.asOf;
    const dates = asOf
      ? [asOf, ...rules.map((r) => r.effectiveFrom).filter((d) => d > asOf)]
      : rules.filter((r) => r.effectiveTo === undefined).map((r) => r.effectiveFrom);
    return [...new Set(dates)].sort();
  }

  private rulesInScope<R extends RuleMeta>(
    candidates: readonly R[],
    lookup: (date: LocalDate) => R | undefined,
  ): R[] {
    const out = new Map<string, R>();
    for (const date of this.lookupDates(candidates)) {
      const rule = lookup(date);
      if (rule) out.set(rule.id, rule);
    }
    return [...out.values()];
  }

  private checkJurisdiction(): void {
    const { jurisdiction, kind } = this.policy.appliesTo;
    if (jurisdiction === undefined || kind === undefined) return;
    const pack = getPack(jurisdiction);
    if (!pack) return;
    const stages = this.policy.stages;
    const ctx: PackContext = {
      pack,
      jurisdiction,
      kind,
      where: `${pack.id.replace(/^US-/, '')} ${kind}`,
      earliest: this.earliestDays(),
      reliesOn: stages.map(() => []),
    };
    const lateRules = this.rulesInScope(
      pack.lateFees.filter((r) => r.appliesTo.includes(kind)),
      (d) => lateFeeRuleFor(jurisdiction, kind, d),
    );
    const sales = (pack.sales ?? []).filter((r) => r.appliesTo.includes(kind));
    const saleRules = this.rulesInScope(sales, (d) => latestInForce(sales, d));

    stages.forEach((stage, i) => {
      const day = ctx.earliest[i] as number;
      const stagePath: PathSegment[] = ['stages', i];
      const moveTo = (min: number) =>
        stage.anchor === 'delinquency_start'
          ? `move this stage to day ${min} or later`
          : `make this stage fire no earlier than day ${min} after the due date (it can fire on day ${day})`;

      stage.actions.forEach((action, k) => {
        const path: PathSegment[] = [...stagePath, 'actions', k];
        if (action.type === 'fee' && action.kind === 'late') {
          for (const rule of lateRules) {
            this.checkLateFee(rule, action, day, ctx.where, path, stagePath, moveTo);
            this.relyOn(ctx, i, action.id, rule);
          }
        }
        if (action.type === 'document') {
          for (const rule of this.noticeRules(pack, kind, action.template, jurisdiction)) {
            this.checkNotice(rule, action.delivery, day, ctx.where, path, stagePath, moveTo);
            this.checkCompanions(rule, action.delivery, ctx.where, path);
            this.checkPriorNotices(ctx, rule, i, path);
            this.checkFollowUps(ctx, rule, action, i);
            this.relyOn(ctx, i, action.id, rule);
          }
        }
        if (action.type === 'auction')
          for (const rule of saleRules) this.relyOn(ctx, i, action.id, rule);
      });
    });

    const unattended = this.policy.mode === 'autopilot' || this.policy.mode === 'assisted';
    if (!unattended) return;
    stages.forEach((stage, i) => {
      const relied = ctx.reliesOn[i] as [string, RuleMeta][];
      if (stage.approval !== 'auto' || relied.length === 0) return;
      const reasons = relied.map(
        ([actionId, rule]) =>
          `action \`${actionId}\` relies on rule ${rule.id} (${rule.citation}), ${unverifiedWhat(rule)}`,
      );
      const rules = new Set(relied.map(([, rule]) => rule.id)).size;
      this.push(
        ['stages', i, 'approval'],
        `in ${this.policy.mode} mode stage \`${stage.id}\` runs without approval, but ${reasons.join('; ')}; have counsel confirm ${rules === 1 ? 'the rule' : 'these rules'}, and until then set \`approval: manual\` on this stage, or use \`mode: supervised\``,
      );
    });
  }

  /** Records that action `actionId` of stage `i` relies on `rule`, unless it is fully verified. */
  private relyOn(ctx: PackContext, i: number, actionId: string, rule: RuleMeta): void {
    if (!isPartlyUnverified(rule)) return;
    const list = ctx.reliesOn[i] as [string, RuleMeta][];
    if (!list.some(([a, r]) => a === actionId && r.id === rule.id)) list.push([actionId, rule]);
  }

  private noticeRules(
    pack: JurisdictionPack,
    kind: PropertyKind,
    template: string,
    jurisdiction: string,
  ): NoticeRule[] {
    return this.rulesInScope(
      pack.notices.filter((r) => r.appliesTo.includes(kind) && r.templates.includes(template)),
      (d) => noticeRuleFor(jurisdiction, kind, template, d),
    );
  }

  private checkLateFee(
    rule: LateFeeRule,
    action: Extract<Action, { type: 'fee' }>,
    day: number,
    where: string,
    path: PathSegment[],
    stagePath: PathSegment[],
    moveTo: (min: number) => string,
  ): void {
    if (day < rule.earliestDay)
      this.pushOnce(
        `late-day:${action.id}`,
        [...stagePath, 'day'],
        `action \`${action.id}\` charges a late fee on day ${day}, but ${where} allows a late fee no earlier than day ${rule.earliestDay} after the due date (${rule.citation}); ${moveTo(rule.earliestDay)}${ruleRef(rule)}`,
      );
    if (rule.oncePerLatePayment && action.recurring === 'daily')
      this.pushOnce(
        'late-daily',
        [...path, 'recurring'],
        `a daily late fee charges the same late payment again and again, but ${where} allows one late fee per late payment (${rule.citation}); use \`recurring: once\` (or \`per_invoice\`, one fee per late invoice)${ruleRef(rule)}`,
      );
    if (rule.cap === null) return;
    if (action.amountCents !== undefined) {
      const bound = capUpperBoundCents(rule.cap);
      if (action.amountCents > bound)
        this.pushOnce(
          'cap',
          [...path, 'amountCents'],
          `a late fee of ${formatMoney(action.amountCents)} is above the most ${where} allows for any rent (${formatMoney(bound)}, ${rule.citation}); lower it to ${bound} cents or less${ruleRef(rule)}`,
        );
    }
    if (action.percent !== undefined && action.of !== undefined) {
      const ceiling = capPercentCeiling(rule.cap, action.of);
      if (ceiling !== undefined && action.percent > ceiling)
        this.pushOnce(
          'cap',
          [...path, 'percent'],
          `a late fee of ${action.percent}% of the ${action.of === 'monthly_rent' ? 'monthly rent' : 'past-due rent'} is above the ${where} cap of ${ceiling}% (${rule.citation}); lower it to ${ceiling} or less${ruleRef(rule)}`,
        );
    }
  }

  private checkNotice(
    rule: NoticeRule,
    delivery: readonly string[],
    day: number,
    where: string,
    path: PathSegment[],
    stagePath: PathSegment[],
    moveTo: (min: number) => string,
  ): void {
    delivery.forEach((method, m) => {
      if (!(rule.deliveryMethods as readonly string[]).includes(method))
        this.pushOnce(
          'delivery',
          [...path, 'delivery', m],
          `${where} does not accept \`${method}\` for the ${rule.title} (${rule.citation}): use ${list(rule.deliveryMethods)}${ruleRef(rule)}`,
        );
    });
    if (rule.earliestDay !== undefined && day < rule.earliestDay)
      this.pushOnce(
        `notice-day:${path.join('.')}`,
        [...stagePath, 'day'],
        `this stage serves the ${rule.title} on day ${day}, but ${where} allows it no earlier than day ${rule.earliestDay} after the due date (${rule.citation}); ${moveTo(rule.earliestDay)}${ruleRef(rule)}`,
      );
  }

  /** Methods the rule accepts only together with another one (e.g. NY storage e-mail). */
  private checkCompanions(
    rule: NoticeRule,
    delivery: readonly DeliveryMethod[],
    where: string,
    path: PathSegment[],
  ): void {
    delivery.forEach((method, m) => {
      const companions = rule.onlyWith?.[method];
      if (companions && !delivery.some((d) => companions.includes(d)))
        this.pushOnce(
          'companion',
          [...path, 'delivery', m],
          `${where} accepts \`${method}\` for the ${rule.title} only together with ${list(companions)} (${rule.citation}): add one of them to this action${ruleRef(rule)}`,
        );
    });
  }

  /** Notices the rule requires in an earlier stage (e.g. NY's RPL §235-e notice). */
  private checkPriorNotices(
    ctx: PackContext,
    rule: NoticeRule,
    i: number,
    path: PathSegment[],
  ): void {
    const stages = this.policy.stages;
    for (const prior of rule.precededBy ?? []) {
      let found: { h: number; k: number; action: DocumentAction } | undefined;
      for (let h = 0; h < i; h++)
        (stages[h] as Stage).actions.forEach((a, k) => {
          if (a.type === 'document' && a.template === prior.template) found = { h, k, action: a };
        });
      const sentBy = prior.sentBy?.length ? ` sent by ${list(prior.sentBy)}` : '';
      if (!found) {
        this.pushOnce(
          `prior:${prior.template}`,
          [...path, 'template'],
          `${ctx.where} requires the ${prior.title} (${prior.citation}) before the ${rule.title}: add a \`${prior.template}\` document${sentBy} to a stage before ${this.stageRef(i)}${ruleRef(rule)}`,
        );
        continue;
      }
      const { h, k, action } = found;
      const priorPath: PathSegment[] = ['stages', h, 'actions', k];
      if (prior.sentBy && !action.delivery.some((m) => prior.sentBy!.includes(m)))
        this.pushOnce(
          `prior-method:${prior.template}`,
          [...priorPath, 'delivery'],
          `the ${prior.title} must be sent by ${list(prior.sentBy)} (${prior.citation}) before the ${rule.title} of ${this.stageRef(i)}: add one of them to this action${ruleRef(rule)}`,
        );
      const day = ctx.earliest[h] as number;
      if (prior.earliestDay !== undefined && day < prior.earliestDay)
        this.pushOnce(
          `prior-day:${prior.template}`,
          ['stages', h, 'day'],
          `this stage sends the ${prior.title} on day ${day}, but ${ctx.where} allows it no earlier than day ${prior.earliestDay} after the due date (${prior.citation}); move it to day ${prior.earliestDay} or later${ruleRef(rule)}`,
        );
      const gap = this.guaranteedGap(h, i);
      const deferral = this.deferralDays(action.delivery);
      const needed = (prior.minDaysBefore ?? 0) + deferral;
      if (prior.minDaysBefore !== undefined && gap < needed)
        this.pushOnce(
          `prior-gap:${prior.template}`,
          ['stages', i, 'minGapDays'],
          `the ${rule.title} must come at least ${prior.minDaysBefore} days after the ${prior.title} (${prior.citation})${deferral > 0 ? `, which can go out ${plural(deferral, 'day')} after its stage fires (it is e-delivered, and the send window and quiet days move it)` : ''}, but ${this.stageRef(i)} can fire ${plural(gap, 'day')} after ${this.stageRef(h)}; set \`minGapDays: ${needed - this.guaranteedGap(h, i - 1)}\` (or more) on this stage${ruleRef(rule)}`,
        );
    }
  }

  /**
   * The steps that must wait for the notice's period (filing, lockout, cut lock, the next
   * notice, the sale) are checked against the least number of days the policy guarantees
   * between the notice's stage and theirs, and the longest the period can take (weekends
   * included; holidays can only add days, and the pre-filing / pre-sale gates check the
   * actual deadline). An e-delivered notice may go out later than its stage fires (R3: the
   * whole action moves to the send window), which the period then starts from.
   */
  private checkFollowUps(
    ctx: PackContext,
    rule: NoticeRule,
    notice: DocumentAction,
    i: number,
  ): void {
    const methods = notice.delivery.filter((m) => rule.deliveryMethods.includes(m));
    if (methods.length === 0) return;
    const span = Math.max(...methods.map((m) => longestNoticeSpanDays(rule, m)));
    const deferral = this.deferralDays(notice.delivery);
    const stages = this.policy.stages;
    const period = describePeriod(rule, span);
    const late =
      deferral > 0
        ? ` from the day it goes out — up to ${plural(deferral, 'day')} after its stage fires, because it is e-delivered and the send window and quiet days move it —`
        : '';
    for (const followUp of followUpsOf(rule, notice.template)) {
      for (let j = i; j < stages.length; j++) {
        const stage = stages[j] as Stage;
        if (j > i && (stage.anchor === 'payment_reversal' || stage.anchor === 'auction_completed'))
          continue;
        stage.actions.forEach((action, l) => {
          if (action === notice || !isFollowUp(action, followUp)) return;
          this.relyOn(ctx, j, action.id, rule);
          const sale = followUp === 'sale';
          const inDays = action.type === 'auction' ? (action.inDays ?? 0) : 0;
          const gap = this.guaranteedGap(i, j) + inDays;
          const need = (sale ? span : span + 1) + deferral;
          if (gap >= need) return;
          const what = FOLLOW_UP_WORDS[followUp] ?? `send the ${followUp.slice('notice:'.length)}`;
          const when =
            j === i && !sale
              ? `in the same stage as the ${rule.title}`
              : `${plural(gap, 'day')} after the ${rule.title} of ${this.stageRef(i)}`;
          const fix = sale
            ? `set \`inDays: ${need - this.guaranteedGap(i, j)}\` (or more) on this auction`
            : j === i
              ? `move it to a later stage that waits at least ${need} days (\`minGapDays\`) after this one`
              : `set \`minGapDays: ${need - this.guaranteedGap(i, j - 1)}\` (or more) on ${this.stageRef(j)}`;
          const earliest = sale
            ? `the sale may be held ${need} days after the notice at the earliest`
            : `the earliest day to ${what} is ${need} days after it`;
          this.pushOnce(
            `follow-up:${i}:${followUp}:${j}:${l}`,
            sale ? ['stages', j, 'actions', l, 'inDays'] : ['stages', j, 'actions', l],
            `action \`${action.id}\` can ${what} ${when}, but ${ctx.where} gives the tenant ${period} after the ${rule.title} (${rule.citation})${late}, so ${earliest}; ${fix}${ruleRef(rule)}`,
          );
        });
      }
    }
  }

  /**
   * How many days after its stage fires a document can go out: 0 unless it is e-delivered
   * (e-mail, SMS link), which moves the whole action to the send window (R3) — past the
   * longest run of quiet days, plus one for a run time after the window or a recipient in
   * another time zone.
   */
  private deferralDays(delivery: readonly DeliveryMethod[]): number {
    if (!delivery.some((m) => m === 'email' || m === 'sms_link')) return 0;
    const quiet = new Set(this.policy.quietDays);
    let longest = 0;
    for (let start = 0; start < 7; start++) {
      let run = 0;
      while (run < 7 && quiet.has(WEEKDAY_NAMES[(start + run) % 7] as WeekdayName)) run++;
      longest = Math.max(longest, run);
    }
    return longest + 1;
  }

  /** The fewest calendar days the policy guarantees between stages `from` and `to` firing (R3, R4). */
  private guaranteedGap(from: number, to: number): number {
    let gap = 0;
    for (let k = from + 1; k <= to; k++) {
      const s = this.policy.stages[k] as Stage;
      gap += Math.max(s.minGapDays, s.anchor === 'previous_stage' ? s.day : 0);
    }
    return gap;
  }
}

interface PackContext {
  pack: JurisdictionPack;
  jurisdiction: string;
  kind: PropertyKind;
  /** `CA storage`, for messages. */
  where: string;
  /** Earliest day after the due date each stage can fire. */
  earliest: number[];
  /** Per stage: actions relying on a rule that is not fully verified. */
  reliesOn: [string, RuleMeta][][];
}

/** What each kind of follow-up does, for messages. */
const FOLLOW_UP_WORDS: Partial<Record<FollowUp, string>> = {
  filing: 'start the eviction filing',
  access_denial: 'deny access',
  overlock: 'overlock the unit',
  cut_lock: 'cut the lock',
  sale: 'hold the sale',
};

/** The fields that tell a follow-up: a policy action and a planned action both have them. */
export interface FollowUpShape {
  type: string;
  to?: unknown;
  set?: unknown;
  deny?: readonly unknown[] | undefined;
  template?: unknown;
}

/** Whether `action` is the follow-up a notice rule times (a filing, a lockout, a sale …). */
export function isFollowUp(action: FollowUpShape, followUp: FollowUp): boolean {
  switch (followUp) {
    case 'filing':
      return (
        (action.type === 'escalate' && action.to === 'legal') ||
        (action.type === 'status' && action.set === 'eviction')
      );
    case 'access_denial':
      return action.type === 'access' && (action.deny?.length ?? 0) > 0;
    case 'overlock':
      return action.type === 'overlock';
    case 'cut_lock':
      return action.type === 'cut_lock';
    case 'sale':
      return action.type === 'auction';
    default:
      return action.type === 'document' && action.template === followUp.slice('notice:'.length);
  }
}

const COUNTING_WORDS: Record<NoticeRule['counting'], string> = {
  calendar: 'days',
  court_days: 'court days',
  business_days: 'business days',
  judicial_days: 'judicial days',
};

/** "3 court days (up to 5 calendar days, more across holidays)" / "14 days (15 by mail)". */
function describePeriod(rule: NoticeRule, span: number): string {
  const base = `${rule.periodDays} ${COUNTING_WORDS[rule.counting]}`;
  const nominal = rule.serviceDayCounts ? rule.periodDays - 1 : rule.periodDays;
  if (rule.counting === 'calendar')
    return span > nominal ? `${base} (${span} with the days added for mailing)` : base;
  return `${base} (up to ${span} calendar days, more across holidays)`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The rule a message is about, and its status. */
function ruleRef(rule: RuleMeta): string {
  return ` [rule ${rule.id}, ${rule.status}]`;
}

/** Whether the rule is unverified, or has parts the reference could not verify. */
function isPartlyUnverified(rule: RuleMeta): boolean {
  return rule.status === 'unverified' || (rule.unverifiedParts?.length ?? 0) > 0;
}

function unverifiedWhat(rule: RuleMeta): string {
  if (rule.status === 'unverified') return 'whose status is unverified';
  return `which is unverified in part (${(rule.unverifiedParts ?? []).join('; ')})`;
}

/** The rule in force on `onDate` (latest `effectiveFrom` wins), as `ruleInForce` does. */
function latestInForce<R extends RuleMeta>(rules: readonly R[], onDate: LocalDate): R | undefined {
  let best: R | undefined;
  for (const r of rules) {
    if (r.effectiveFrom > onDate || (r.effectiveTo !== undefined && onDate > r.effectiveTo))
      continue;
    if (best === undefined || r.effectiveFrom > best.effectiveFrom) best = r;
  }
  return best;
}

/**
 * The semantic rules of a policy (SPEC 3.3), after the structural ones of the schema:
 * unique stage and action ids, stage dates that never go backwards, templates that exist,
 * have the right kind and use only catalogue fields, and — when the policy names a
 * jurisdiction and a property kind that have a pack — late fees, notice delivery and
 * autopilot within the pack's rules. Every issue names the path, the stage and the fix.
 *
 * Which version of a jurisdiction rule is checked: with `asOf`, the rule in force that day
 * and every version taking effect later (a policy keeps running); without it, every
 * version that has no end date (the current law and any enacted future one). Pure.
 */
import { isKnownCalendar } from '../calendar/holidays.js';
import type { LocalDate } from '../dates.js';
import { type InputIssue, MAX_REPORTED_ISSUES } from '../errors.js';
import { capPercentCeiling, capUpperBoundCents } from '../jurisdictions/fee-caps.js';
import { getPack, lateFeeRuleFor, noticeRuleFor } from '../jurisdictions/index.js';
import type {
  JurisdictionPack,
  LateFeeRule,
  NoticeRule,
  RuleMeta,
} from '../jurisdictions/types.js';
import type { PropertyKind } from '../portfolio/schema.js';
import { MERGE_FIELDS } from '../templates/fields.js';
import { analyzeTemplate } from '../templates/analyze.js';
import { LIBRARY, type TemplateKind } from '../templates/library.js';
import { formatMoney, resolveTemplate } from '../templates/render.js';
import { formatPath, type PathSegment, suggest } from '../validation.js';
import type { Action, Policy, Stage } from './schema.js';

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
    const where = `${pack.id.replace(/^US-/, '')} ${kind}`;
    const earliest = this.earliestDays();
    const lateRules = this.rulesInScope(
      pack.lateFees.filter((r) => r.appliesTo.includes(kind)),
      (d) => lateFeeRuleFor(jurisdiction, kind, d),
    );
    const unattended = this.policy.mode === 'autopilot' || this.policy.mode === 'assisted';

    this.policy.stages.forEach((stage, i) => {
      const day = earliest[i] as number;
      const stagePath: PathSegment[] = ['stages', i];
      const moveTo = (min: number) =>
        stage.anchor === 'delinquency_start'
          ? `move this stage to day ${min} or later`
          : `make this stage fire no earlier than day ${min} after the due date (it can fire on day ${day})`;
      const reliesOn: [string, RuleMeta][] = [];

      stage.actions.forEach((action, k) => {
        const path: PathSegment[] = [...stagePath, 'actions', k];
        if (action.type === 'fee' && action.kind === 'late') {
          for (const rule of lateRules) {
            this.checkLateFee(rule, action, day, where, path, stagePath, moveTo);
            if (rule.status === 'unverified') reliesOn.push([action.id, rule]);
          }
        }
        if (action.type === 'document') {
          const rules = this.noticeRules(pack, kind, action.template, jurisdiction);
          for (const rule of rules) {
            this.checkNotice(rule, action.delivery, day, where, path, stagePath, moveTo);
            if (rule.status === 'unverified') reliesOn.push([action.id, rule]);
          }
        }
      });

      if (unattended && stage.approval === 'auto') {
        for (const [actionId, rule] of reliesOn)
          this.push(
            [...stagePath, 'approval'],
            `in ${this.policy.mode} mode stage \`${stage.id}\` runs without approval, but action \`${actionId}\` relies on rule ${rule.id} (${rule.citation}), whose status is unverified; set \`approval: manual\` on this stage, or use \`mode: supervised\``,
          );
      }
    });
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
        `action \`${action.id}\` charges a late fee on day ${day}, but ${where} allows a late fee no earlier than day ${rule.earliestDay} after the due date (${rule.citation}); ${moveTo(rule.earliestDay)}`,
      );
    if (rule.cap === null) return;
    if (action.amountCents !== undefined) {
      const bound = capUpperBoundCents(rule.cap);
      if (action.amountCents > bound)
        this.pushOnce(
          'cap',
          [...path, 'amountCents'],
          `a late fee of ${formatMoney(action.amountCents)} is above the most ${where} allows for any rent (${formatMoney(bound)}, ${rule.citation}); lower it to ${bound} cents or less`,
        );
    }
    if (action.percent !== undefined && action.of !== undefined) {
      const ceiling = capPercentCeiling(rule.cap, action.of);
      if (ceiling !== undefined && action.percent > ceiling)
        this.pushOnce(
          'cap',
          [...path, 'percent'],
          `a late fee of ${action.percent}% of the ${action.of === 'monthly_rent' ? 'monthly rent' : 'past-due rent'} is above the ${where} cap of ${ceiling}% (${rule.citation}); lower it to ${ceiling} or less`,
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
          `${where} does not accept \`${method}\` for the ${rule.title} (${rule.citation}): use ${list(rule.deliveryMethods)}`,
        );
    });
    if (rule.earliestDay !== undefined && day < rule.earliestDay)
      this.pushOnce(
        `notice-day:${path.join('.')}`,
        [...stagePath, 'day'],
        `this stage serves the ${rule.title} on day ${day}, but ${where} allows it no earlier than day ${rule.earliestDay} after the due date (${rule.citation}); ${moveTo(rule.earliestDay)}`,
      );
  }
}

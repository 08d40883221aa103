/**
 * The period of a period report (promises, collections, notices, fees, weekly): `--from`
 * and `--to`, by default the seven days ending on `--at`. Outcomes are read as of `--at`,
 * so the period may not end after it. Pure.
 */
import { addDays, type LocalDate } from '../dates.js';
import type { InputIssue } from '../errors.js';
import type { Period } from './common.js';

export const DEFAULT_PERIOD_DAYS = 7;

export type PeriodResult = { ok: true; period: Period } | { ok: false; issues: InputIssue[] };

export function reportPeriod(at: LocalDate, from?: LocalDate, to?: LocalDate): PeriodResult {
  const end = to ?? at;
  const start = from ?? addDays(end, 1 - DEFAULT_PERIOD_DAYS);
  const issues: InputIssue[] = [];
  if (start > end)
    issues.push({
      path: '--from',
      message: `the period starts (${start}) after it ends (${end}); give a --from on or before --to`,
    });
  if (end > at)
    issues.push({
      path: '--to',
      message: `the period ends (${end}) after --at (${at}); outcomes are known only as of --at, so give an --at on or after --to`,
    });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, period: { from: start, to: end } };
}

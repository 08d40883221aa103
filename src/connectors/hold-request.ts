/**
 * A hold requested by staff in another system (a CRM field typed `hold: dispute`, Dynamics
 * and Zoho): the holds a person may ask for are the domain's, minus those only Arrears
 * itself sets (failed service, a stale ledger).
 */
import { HOLD_TYPES } from '../domain/portfolio/schema.js';

const SYSTEM_ONLY = new Set(['service_failed', 'stale_ledger']);
export const STAFF_HOLD_TYPES = HOLD_TYPES.filter((h) => !SYSTEM_ONLY.has(h));
type StaffHold = (typeof STAFF_HOLD_TYPES)[number];

const REQUEST = /^\s*(hold|release)\s*[:\s]\s*([a-z_ ]+?)\s*$/i;

/** `hold: dispute` / `release: dispute` (a bare hold type means `hold`); else null. */
export function holdRequestOf(
  value: unknown,
): { kind: 'hold' | 'release'; hold: StaffHold } | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const m = REQUEST.exec(value);
  const kind = (m?.[1]?.toLowerCase() ?? 'hold') as 'hold' | 'release';
  const hold = (m?.[2] ?? value).trim().toLowerCase().replace(/\s+/g, '_');
  return (STAFF_HOLD_TYPES as readonly string[]).includes(hold)
    ? { kind, hold: hold as StaffHold }
    : null;
}

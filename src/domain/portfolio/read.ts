/**
 * Reading a portfolio file (SPEC 3.1): JSON text → a validated Portfolio, or an InputError
 * carrying every problem found (up to 50), each with the file, the JSON path and what to do.
 * Pure: the caller reads the file.
 */
import { InputError, type InputIssue } from '../errors.js';
import {
  formatPath,
  nulCharacterIssues,
  parseJsonText,
  type PathSegment,
  suggest,
  zodIssuesToInputIssues,
} from '../validation.js';
import { type Portfolio, portfolio as portfolioSchema } from './schema.js';

const NOUNS = { events: 'event' };

/** Parses and validates portfolio JSON text. Throws InputError naming `file`. */
export function parsePortfolio(text: string, file: string): Portfolio {
  const json = parseJsonText(text, file);
  if (!json.ok) throw new InputError([json.issue]);
  return portfolioFromValue(json.value, file);
}

/** Validates an already-parsed portfolio value (e.g. a request body). Throws InputError. */
export function portfolioFromValue(value: unknown, file?: string): Portfolio {
  const result = portfolioSchema.safeParse(value);
  const issues: InputIssue[] = [];
  if (!result.success)
    issues.push(
      ...zodIssuesToInputIssues(result.error.issues, {
        file,
        input: value,
        schema: portfolioSchema,
        rootDescription: 'a portfolio: a JSON object with properties, tenants, leases and ledger',
        nouns: NOUNS,
      }),
    );
  issues.push(...portfolioReferenceIssues(value, file), ...nulCharacterIssues(value, file));
  if (issues.length > 0 || !result.success) throw new InputError(issues);
  return result.data;
}

// ---------------------------------------------------------------------------------------
// Cross-reference checks. They run on the raw value so that one run reports schema errors
// and broken references together; anything not shaped as expected is left to the schema.

type Row = Record<string, unknown>;

function rows(value: unknown, key: string): [number, Row][] {
  if (value === null || typeof value !== 'object') return [];
  const list = (value as Row)[key];
  if (!Array.isArray(list)) return [];
  const out: [number, Row][] = [];
  list.forEach((item, i) => {
    if (item !== null && typeof item === 'object' && !Array.isArray(item))
      out.push([i, item as Row]);
  });
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

interface Index {
  /** id → index of its first row */
  first: Map<string, number>;
  rows: Map<string, Row>;
}

const WHAT: Record<string, string> = {
  properties: 'property',
  tenants: 'tenant',
  leases: 'lease',
  ledger: 'ledger entry',
};

function indexIds(
  value: unknown,
  key: 'properties' | 'tenants' | 'leases' | 'ledger',
  push: (path: PathSegment[], message: string) => void,
): Index {
  const first = new Map<string, number>();
  const byId = new Map<string, Row>();
  for (const [i, row] of rows(value, key)) {
    const id = str(row.id);
    if (id === undefined) continue;
    const at = first.get(id);
    if (at !== undefined) {
      push(
        [key, i, 'id'],
        `duplicate id \`${id}\` (also at ${formatPath([key, at])}): every ${WHAT[key]} needs its own id; rename one or remove the repeated ${WHAT[key]}`,
      );
      continue;
    }
    first.set(id, i);
    byId.set(id, row);
  }
  return { first, rows: byId };
}

function didYouMean(id: string, index: Index): string {
  const hint = suggest(id, [...index.first.keys()]);
  return hint ? ` (did you mean \`${hint}\`?)` : '';
}

/** Broken references between the sections of a portfolio value. */
export function portfolioReferenceIssues(value: unknown, file?: string): InputIssue[] {
  const issues: InputIssue[] = [];
  const push = (path: PathSegment[], message: string) =>
    issues.push(
      file === undefined
        ? { path: formatPath(path), message }
        : { file, path: formatPath(path), message },
    );

  const properties = indexIds(value, 'properties', push);
  const tenants = indexIds(value, 'tenants', push);
  const leases = indexIds(value, 'leases', push);
  const ledger = indexIds(value, 'ledger', push);

  const unknownRef = (path: PathSegment[], id: string, index: Index, section: keyof typeof WHAT) =>
    push(
      path,
      `no ${WHAT[section]} has id \`${id}\`${didYouMean(id, index)}: add it to \`${section}\` or fix the id`,
    );

  for (const [i, lease] of rows(value, 'leases')) {
    const propertyId = str(lease.propertyId);
    if (propertyId !== undefined && !properties.first.has(propertyId))
      unknownRef(['leases', i, 'propertyId'], propertyId, properties, 'properties');
    if (Array.isArray(lease.tenantIds)) {
      lease.tenantIds.forEach((t, j) => {
        const tid = str(t);
        if (tid !== undefined && !tenants.first.has(tid))
          unknownRef(['leases', i, 'tenantIds', j], tid, tenants, 'tenants');
      });
    }
  }

  const reversedBy = new Map<string, number>();
  for (const [i, entry] of rows(value, 'ledger')) {
    const leaseId = str(entry.leaseId);
    if (leaseId !== undefined && !leases.first.has(leaseId))
      unknownRef(['ledger', i, 'leaseId'], leaseId, leases, 'leases');

    const reverses = str(entry.reverses);
    if (reverses !== undefined) {
      const target = ledger.rows.get(reverses);
      if (entry.type !== 'reversal') {
        push(
          ['ledger', i, 'reverses'],
          `only a reversal may name \`reverses\`; set type to reversal or remove the field`,
        );
      } else if (!target) {
        unknownRef(['ledger', i, 'reverses'], reverses, ledger, 'ledger');
      } else if (reverses === str(entry.id)) {
        push(
          ['ledger', i, 'reverses'],
          'a reversal cannot reverse itself: name the payment or entry it cancels',
        );
      } else {
        if (str(target.leaseId) !== leaseId)
          push(
            ['ledger', i, 'reverses'],
            `reverses \`${reverses}\`, which belongs to lease \`${String(target.leaseId)}\`, not \`${String(leaseId)}\`: a reversal must be on the same lease as the entry it cancels`,
          );
        if (target.type === 'reversal')
          push(
            ['ledger', i, 'reverses'],
            `\`${reverses}\` is itself a reversal: to undo a reversal, remove it or record the payment again`,
          );
        const earlier = reversedBy.get(reverses);
        if (earlier !== undefined)
          push(
            ['ledger', i, 'reverses'],
            `\`${reverses}\` is already reversed by ${formatPath(['ledger', earlier])}: an entry can be reversed only once`,
          );
        else reversedBy.set(reverses, i);
      }
    }

    const appliesTo = str(entry.appliesTo);
    if (appliesTo !== undefined) {
      const target = ledger.rows.get(appliesTo);
      if (!target) unknownRef(['ledger', i, 'appliesTo'], appliesTo, ledger, 'ledger');
      else if (target.type !== 'charge')
        push(
          ['ledger', i, 'appliesTo'],
          `\`${appliesTo}\` is a ${String(target.type)}, not a charge: \`appliesTo\` must name the charge this entry pays`,
        );
      else if (str(target.leaseId) !== leaseId)
        push(
          ['ledger', i, 'appliesTo'],
          `charge \`${appliesTo}\` belongs to lease \`${String(target.leaseId)}\`, not \`${String(leaseId)}\`: a payment can only pay a charge of its own lease`,
        );
    }
  }

  for (const [i, event] of rows(value, 'events')) {
    const leaseId = str(event.leaseId);
    if (leaseId !== undefined && !leases.first.has(leaseId))
      unknownRef(['events', i, 'leaseId'], leaseId, leases, 'leases');
    const tenantId = str(event.tenantId);
    if (tenantId !== undefined && !tenants.first.has(tenantId))
      unknownRef(['events', i, 'tenantId'], tenantId, tenants, 'tenants');
    const propertyId = str(event.propertyId);
    if (propertyId !== undefined && !properties.first.has(propertyId))
      unknownRef(['events', i, 'propertyId'], propertyId, properties, 'properties');
    const contactId = str(event.contactId);
    if (contactId !== undefined && !tenants.first.has(contactId))
      unknownRef(['events', i, 'contactId'], contactId, tenants, 'tenants');
    const chargeId = str(event.chargeId);
    if (chargeId !== undefined) {
      const charge = ledger.rows.get(chargeId);
      if (!charge) unknownRef(['events', i, 'chargeId'], chargeId, ledger, 'ledger');
      else if (charge.type !== 'charge')
        push(
          ['events', i, 'chargeId'],
          `\`${chargeId}\` is a ${String(charge.type)}, not a charge: name the charge the hold covers`,
        );
    }
    if (
      (event.type === 'hold' || event.type === 'release') &&
      event.scope === 'charge' &&
      chargeId === undefined
    )
      push(
        ['events', i, 'chargeId'],
        'a charge-scoped hold needs `chargeId`: the id of the charge it covers',
      );
    if (
      (event.type === 'hold' || event.type === 'release') &&
      event.scope === 'property' &&
      propertyId === undefined &&
      leaseId === undefined
    )
      push(
        ['events', i, 'propertyId'],
        `a property-scoped ${String(event.type)} needs \`propertyId\` (or a \`leaseId\` of that property): say which property it covers`,
      );
  }

  const seenCases = new Map<string, number>();
  for (const [i, c] of rows(value, 'cases')) {
    const leaseId = str(c.leaseId);
    if (leaseId === undefined) continue;
    if (!leases.first.has(leaseId)) {
      unknownRef(['cases', i, 'leaseId'], leaseId, leases, 'leases');
      continue;
    }
    const key = `${leaseId}\u0000${String(c.episode)}`;
    const at = seenCases.get(key);
    if (at !== undefined)
      push(
        ['cases', i, 'episode'],
        `lease \`${leaseId}\` already has episode ${String(c.episode)} (at ${formatPath(['cases', at])}): each onboarded case needs its own episode number`,
      );
    else seenCases.set(key, i);
  }
  return issues;
}

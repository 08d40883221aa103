/** `arrears event FILE`: records SPEC 3.1 events (replies, promises, holds, closes …). */
import { z } from 'zod';
import { InputError } from '../domain/errors.js';
import { portfolioEvent, type PortfolioEvent } from '../domain/portfolio/schema.js';
import { parseJsonText, zodIssuesToInputIssues } from '../domain/validation.js';
import type { Clock } from './ports/clock.js';
import type { PortfolioStore, SaveResult } from './ports/portfolio.js';

export interface EventDeps {
  clock: Clock;
  portfolio: PortfolioStore;
}

const eventsFile = z.union([
  z.array(portfolioEvent),
  z.strictObject({ events: z.array(portfolioEvent) }),
]);

/** Parses an events file: a JSON array of events, or `{"events": [...]}`. */
export function parseEvents(text: string, file: string): PortfolioEvent[] {
  const json = parseJsonText(text, file);
  if (!json.ok) throw new InputError([json.issue]);
  const r = eventsFile.safeParse(json.value);
  if (!r.success)
    throw new InputError(
      zodIssuesToInputIssues(r.error.issues, {
        file,
        input: json.value,
        schema: eventsFile,
        rootDescription: 'a JSON array of events, or {"events": [...]}',
        nouns: {},
      }),
    );
  return Array.isArray(r.data) ? r.data : r.data.events;
}

export async function recordEvents(
  deps: EventDeps,
  orgId: string,
  events: PortfolioEvent[],
  source: string,
  actor: string,
  file?: string,
): Promise<SaveResult> {
  // An event naming a lease, tenant or property that does not exist would be stored and
  // reach nothing (or, for a tenant, nobody until one with that id is imported).
  const named = (field: 'leaseId' | 'tenantId' | 'propertyId') =>
    events.flatMap((e) => (e[field] !== undefined ? [e[field]] : []));
  const [leases, tenants, properties] = await Promise.all([
    deps.portfolio.knownIds(orgId, 'leases', named('leaseId')),
    deps.portfolio.knownIds(orgId, 'tenants', named('tenantId')),
    deps.portfolio.knownIds(orgId, 'properties', named('propertyId')),
  ]);
  const issues = events.flatMap((e, i) => {
    const at = (field: string, message: string) => ({
      ...(file ? { file } : {}),
      path: `[${i}].${field}`,
      message,
    });
    return [
      ...(e.leaseId !== undefined && !leases.has(e.leaseId)
        ? [at('leaseId', `no lease has id \`${e.leaseId}\`; import it first or fix the id`)]
        : []),
      ...(e.tenantId !== undefined && !tenants.has(e.tenantId)
        ? [at('tenantId', `no tenant has id \`${e.tenantId}\`; import it first or fix the id`)]
        : []),
      ...(e.propertyId !== undefined && !properties.has(e.propertyId)
        ? [
            at(
              'propertyId',
              `no property has id \`${e.propertyId}\`; import it first or fix the id`,
            ),
          ]
        : []),
    ];
  });
  if (issues.length > 0) throw new InputError(issues);
  const at = new Date(deps.clock.now()).toISOString();
  const result = await deps.portfolio.addEvents(orgId, events, { source, actor, at });
  return result;
}

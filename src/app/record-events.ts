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
  const known = new Set(await deps.portfolio.leaseIds(orgId));
  const issues = events.flatMap((e, i) =>
    e.leaseId !== undefined && !known.has(e.leaseId)
      ? [
          {
            ...(file ? { file } : {}),
            path: `[${i}].leaseId`,
            message: `no lease has id \`${e.leaseId}\`; import it first or fix the id`,
          },
        ]
      : [],
  );
  if (issues.length > 0) throw new InputError(issues);
  const at = new Date(deps.clock.now()).toISOString();
  const result = await deps.portfolio.addEvents(orgId, events, { source, actor, at });
  return result;
}

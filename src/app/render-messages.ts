/**
 * Messages carry their text from the moment they are planned: the template the action
 * names, in the recipient's language (the policy's own templates first, then the shipped
 * library), rendered against the lease on the action's date. A reviewer approves the words
 * that will be sent, edits change them, and the sender sends exactly them.
 */
import type { LeaseInput } from '../domain/evaluator/lease-run.js';
import { mergeContextFor } from '../domain/templates/context.js';
import { renderTemplate, resolveTemplate } from '../domain/templates/render.js';
import type { PlannedItem } from './ports/scan.js';

export interface RenderedMessage {
  subject?: string;
  body: string;
  /** The language it was rendered in. */
  locale: string;
  /** The template that matched (`late-notice.es`, `late-notice` …). */
  templateKey: string;
}

/** The rendered text of a message item, or null when it is not a templated message. */
export function renderedMessage(
  input: LeaseInput,
  item: {
    type: string;
    episode: number;
    contactId: string | null;
    amountCents: number | null;
    payload: Record<string, unknown>;
  },
  date: string,
  payLink?: string,
): RenderedMessage | null {
  const template = item.payload.template;
  if (item.type !== 'message' || typeof template !== 'string') return null;
  const contact = input.contacts.find((c) => c.id === item.contactId) ?? input.contacts[0];
  const resolved = resolveTemplate(template, contact?.language, input.policy.templates);
  if (!resolved || resolved.kind !== 'message') return null;
  const context = mergeContextFor(input, {
    date,
    contactId: item.contactId,
    episode: item.episode,
    feeCents: item.amountCents,
    ...(payLink ? { payLink } : {}),
  });
  const text = renderTemplate(resolved, context, resolved.locale);
  return {
    ...(text.subject !== undefined ? { subject: text.subject } : {}),
    body: text.body,
    locale: resolved.locale,
    templateKey: resolved.key,
  };
}

/** Adds the rendered text to each due message of a lease's plan (with its pay link, if any). */
export function renderMessages(
  input: LeaseInput,
  items: readonly PlannedItem[],
  payLink?: string,
): PlannedItem[] {
  return items.map((it) => {
    if (it.status === 'skipped') return it;
    const date = typeof it.payload.date === 'string' ? it.payload.date : it.dueAt.slice(0, 10);
    const rendered = renderedMessage(input, it, date, payLink);
    return rendered ? { ...it, payload: { ...it.payload, ...rendered } } : it;
  });
}

/**
 * Pure mapping between Arrears and Slack's Block Kit: an alert → a chat.postMessage body
 * with approve / reject buttons per queue item, and a click's outcome → the message that
 * replaces the original through the click's response_url.
 */
import type { Alert } from '../contract.js';

export interface PlainText {
  type: 'plain_text';
  text: string;
}
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}

/** A Block Kit block as sent; blocks read back from a click are only known to have a type. */
export interface SlackBlock {
  type: string;
  block_id?: string;
  [field: string]: unknown;
}

/** The chat.postMessage body (JSON). */
export interface SlackMessage {
  channel: string;
  /** The notification fallback; Slack shows it where blocks cannot be. */
  text: string;
  blocks: SlackBlock[];
}

/** A body posted to a click's response_url. */
export interface SlackResponse {
  text: string;
  blocks?: SlackBlock[];
  replace_original: boolean;
  response_type?: 'ephemeral' | 'in_channel';
}

export const APPROVE_ACTION = 'approve';
export const REJECT_ACTION = 'reject';
export type QueueDecision = typeof APPROVE_ACTION | typeof REJECT_ACTION;

// Block Kit limits: header text 150, section text 3000, confirm text 300, 50 blocks.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const CONFIRM_TEXT_MAX = 300;

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Slack reads `&`, `<` and `>` in text as markup (links, mentions); these are data. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const plain = (text: string): PlainText => ({ type: 'plain_text', text });
const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text });

type AlertItem = NonNullable<Alert['items']>[number];

function approveButton(item: AlertItem) {
  return {
    type: 'button',
    action_id: APPROVE_ACTION,
    text: plain('Approve'),
    value: item.key,
    style: 'primary',
  };
}

function rejectButton(item: AlertItem) {
  return {
    type: 'button',
    action_id: REJECT_ACTION,
    text: plain('Reject'),
    value: item.key,
    style: 'danger',
    // A rejected action is not carried out, and there is no undo button.
    confirm: {
      title: plain('Reject this action?'),
      text: plain(clip(`${item.summary} (${item.key}) will not be carried out.`, CONFIRM_TEXT_MAX)),
      confirm: plain('Reject'),
      deny: plain('Keep it'),
      style: 'danger',
    },
  };
}

/** The block of an item's buttons; a click names it, so the outcome can take its place. */
export const actionsBlockId = (index: number) => `queue:${index}`;
const noteBlockId = (blockId: string) => `${blockId}:note`;

function itemBlocks(item: AlertItem, index: number, withButtons: boolean): SlackBlock[] {
  const section: SlackBlock = {
    type: 'section',
    block_id: `item:${index}`,
    text: mrkdwn(clip(`*${escapeText(item.summary)}*\n\`${escapeText(item.key)}\``, SECTION_MAX)),
  };
  if (!withButtons) return [section];
  return [
    section,
    {
      type: 'actions',
      block_id: actionsBlockId(index),
      elements: [approveButton(item), rejectButton(item)],
    },
  ];
}

/** The chat.postMessage body of an alert; only queue items get buttons. */
export function alertMessage(alert: Alert, channel: string): SlackMessage {
  const blocks: SlackBlock[] = [{ type: 'header', text: plain(clip(alert.title, HEADER_MAX)) }];
  if (alert.text.trim() !== '')
    blocks.push({ type: 'section', text: mrkdwn(clip(escapeText(alert.text), SECTION_MAX)) });
  const withButtons = alert.kind === 'queue_waiting';
  // 20 items × 2 blocks + 3 stays under Slack's 50 blocks per message.
  (alert.items ?? [])
    .slice(0, 20)
    .forEach((item, i) => blocks.push(...itemBlocks(item, i, withButtons)));
  if (alert.url !== undefined)
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`<${escapeText(alert.url)}|Open in Arrears>`)],
    });
  const fallback = alert.text.trim() === '' ? alert.title : `${alert.title}\n${alert.text}`;
  return { channel, text: clip(escapeText(fallback), SECTION_MAX), blocks };
}

/**
 * The original message with a click's outcome under the clicked item. `settled`: the item
 * was approved or rejected, so its buttons give way to the note; otherwise (a refusal) the
 * buttons stay for someone allowed to use them.
 */
export function outcomeMessage(
  original: { text?: string; blocks?: SlackBlock[] } | undefined,
  blockId: string | undefined,
  note: string,
  settled: boolean,
): SlackResponse {
  const text = original?.text ?? note;
  const noteId = blockId === undefined ? undefined : noteBlockId(blockId);
  // A second click on the same item replaces its earlier note rather than stacking another.
  const blocks = (original?.blocks ?? []).filter(
    (b) => noteId === undefined || b.block_id !== noteId,
  );
  const at = blockId === undefined ? -1 : blocks.findIndex((b) => b.block_id === blockId);
  if (at < 0)
    return {
      replace_original: true,
      text,
      blocks: [...blocks, { type: 'context', elements: [mrkdwn(note)] }],
    };
  const noteBlock: SlackBlock = { type: 'context', block_id: noteId, elements: [mrkdwn(note)] };
  const kept = settled ? [] : [blocks[at]!];
  return {
    replace_original: true,
    text,
    blocks: [...blocks.slice(0, at), ...kept, noteBlock, ...blocks.slice(at + 1)],
  };
}

/** Seen only by the user who clicked; the original message is left as it is. */
export function ephemeralReply(text: string): SlackResponse {
  return { response_type: 'ephemeral', replace_original: false, text };
}

/** The words of a click's outcome (mrkdwn). */
export function decisionNote(
  decision: QueueDecision,
  who: string,
  result: { ok: boolean; message: string },
): string {
  const name = escapeText(who);
  if (result.ok)
    return decision === APPROVE_ACTION
      ? `:white_check_mark: Approved by ${name}`
      : `:no_entry_sign: Rejected by ${name}`;
  const verb = decision === APPROVE_ACTION ? 'approve' : 'reject';
  return `:warning: ${name} could not ${verb}: ${escapeText(result.message)}`;
}

/** What an operator should do about a Slack error code, in a few words. */
const ERROR_HINTS: Readonly<Record<string, string>> = {
  channel_not_found:
    'the channel id is wrong or the bot cannot see it (check ARREARS_SLACK_CHANNEL, invite the bot)',
  not_in_channel: 'invite the bot to the channel',
  is_archived: 'the channel is archived',
  no_text: 'the message had neither text nor blocks',
  invalid_blocks: 'Slack refused the message blocks',
  msg_too_long: 'the message is too long',
  invalid_auth: 'the bot token is not valid (ARREARS_SLACK_BOT_TOKEN)',
  not_authed: 'no bot token was sent',
  token_revoked: 'the bot token was revoked; reinstall the app',
  token_expired: 'the bot token expired; reinstall the app or refresh it',
  account_inactive: 'the bot token belongs to a deleted user or workspace',
  missing_scope: 'the token lacks a scope (chat:write, users:read, users:read.email)',
  user_not_found: 'Slack does not know this user',
  ratelimited: 'Slack is rate-limiting the app',
  rate_limited: 'Slack is rate-limiting the app',
};

export function errorHint(code: string): string {
  return ERROR_HINTS[code] ?? 'see the Slack method documentation for this error';
}

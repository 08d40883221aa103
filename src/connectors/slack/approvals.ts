/**
 * A click on an alert's Approve / Reject button, taken as the Slack user who clicked: their
 * e-mail (users.info) names the Arrears user, whose role decides (an owner may not approve).
 * The outcome replaces the button under the item; a failure to find who clicked is told to
 * that user alone.
 */
import type { ConnectorLog, QueueActions } from '../context.js';
import type { SlackClient, SlackUser } from './client.js';
import {
  APPROVE_ACTION,
  REJECT_ACTION,
  decisionNote,
  ephemeralReply,
  outcomeMessage,
  type QueueDecision,
  type SlackResponse,
} from './map.js';
import type { BlockActions } from './webhooks.js';

export interface ClickDeps {
  client: SlackClient;
  queue: QueueActions | undefined;
  log: ConnectorLog;
}

/** The name staff know the user by: the profile's real name, else the handle. */
export function displayNameOf(user: SlackUser | undefined, clicker: BlockActions['user']): string {
  const candidates = [
    user?.profile?.real_name,
    user?.real_name,
    user?.profile?.display_name,
    user?.name,
    clicker.name,
    clicker.username,
  ];
  return candidates.find((n) => typeof n === 'string' && n.trim() !== '') ?? clicker.id;
}

const isDecision = (id: string): id is QueueDecision =>
  id === APPROVE_ACTION || id === REJECT_ACTION;

export async function takeClick(deps: ClickDeps, click: BlockActions): Promise<void> {
  const action = click.actions.find((a) => isDecision(a.action_id) && a.value);
  if (action === undefined || action.value === undefined) {
    deps.log.info(
      { slackUser: click.user.id },
      'Slack click on something other than a queue button',
    );
    return;
  }
  const decision = action.action_id as QueueDecision;
  const key = action.value;
  const done = decision === APPROVE_ACTION ? 'approved' : 'rejected';

  async function answer(body: SlackResponse): Promise<void> {
    if (click.response_url === undefined) {
      deps.log.warn({ key }, 'Slack click without a response_url: the outcome is not shown');
      return;
    }
    const sent = await deps.client.respond(click.response_url, body);
    if (!sent.ok)
      deps.log.warn({ key, detail: sent.detail }, 'Slack response_url refused the outcome');
  }

  const found = await deps.client.userInfo(click.user.id);
  if (!found.ok) {
    deps.log.warn({ key, slackUser: click.user.id, code: found.code }, 'Slack users.info failed');
    return answer(
      ephemeralReply(
        `:warning: Arrears could not look up your Slack account (${found.code}), so nothing was ${done}. ` +
          'An admin should check the Slack app (scopes users:read and users:read.email).',
      ),
    );
  }
  const email = found.user.profile?.email;
  if (email === undefined || email === '')
    return answer(
      ephemeralReply(
        `:warning: Arrears cannot see the e-mail address of your Slack account, so nothing was ${done}. ` +
          'An admin should grant the Slack app the users:read.email scope.',
      ),
    );
  if (deps.queue === undefined)
    return answer(ephemeralReply(':warning: This Arrears server takes no approvals from Slack.'));

  const name = displayNameOf(found.user, click.user);
  let result: { ok: boolean; message: string };
  try {
    result =
      decision === APPROVE_ACTION
        ? await deps.queue.approve(key, email)
        : await deps.queue.reject(key, email, `rejected in Slack by ${name}`);
  } catch (error) {
    deps.log.warn({ key, error: (error as Error).message }, 'queue decision from Slack failed');
    return answer(
      ephemeralReply(`:warning: Arrears could not record that, so nothing was ${done}; try again.`),
    );
  }
  deps.log.info(
    { key, slackUser: click.user.id, decision, ok: result.ok },
    'queue decision from Slack',
  );
  return answer(
    outcomeMessage(click.message, action.block_id, decisionNote(decision, name, result), result.ok),
  );
}

import { describe, expect, it } from 'vitest';
import type { Alert } from '../contract.js';
import { alertMessage, decisionNote, ephemeralReply, escapeText, outcomeMessage } from './map.js';

const queueAlert: Alert = {
  kind: 'queue_waiting',
  title: '2 actions wait for approval',
  text: 'Oak Court: approve before 16:00 & they go out today.',
  items: [
    {
      key: 'L1:1:late-notice:sms',
      leaseId: 'L1',
      stage: 'late-notice',
      action: 'sms',
      summary: 'Late-notice SMS to Ana Ruiz <unit 4B>',
    },
  ],
  url: 'https://arrears.example.com/queue',
};

describe('Slack block building', () => {
  it('an alert with a queue item: header, text, the item with Approve / Reject, a link', () => {
    expect(alertMessage(queueAlert, 'C0ALERTS')).toEqual({
      channel: 'C0ALERTS',
      text: '2 actions wait for approval\nOak Court: approve before 16:00 &amp; they go out today.',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '2 actions wait for approval' } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: 'Oak Court: approve before 16:00 &amp; they go out today.',
          },
        },
        {
          type: 'section',
          block_id: 'item:0',
          text: {
            type: 'mrkdwn',
            text: '*Late-notice SMS to Ana Ruiz &lt;unit 4B&gt;*\n`L1:1:late-notice:sms`',
          },
        },
        {
          type: 'actions',
          block_id: 'queue:0',
          elements: [
            {
              type: 'button',
              action_id: 'approve',
              text: { type: 'plain_text', text: 'Approve' },
              value: 'L1:1:late-notice:sms',
              style: 'primary',
            },
            {
              type: 'button',
              action_id: 'reject',
              text: { type: 'plain_text', text: 'Reject' },
              value: 'L1:1:late-notice:sms',
              style: 'danger',
              confirm: {
                title: { type: 'plain_text', text: 'Reject this action?' },
                text: {
                  type: 'plain_text',
                  text: 'Late-notice SMS to Ana Ruiz <unit 4B> (L1:1:late-notice:sms) will not be carried out.',
                },
                confirm: { type: 'plain_text', text: 'Reject' },
                deny: { type: 'plain_text', text: 'Keep it' },
                style: 'danger',
              },
            },
          ],
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: '<https://arrears.example.com/queue|Open in Arrears>' },
          ],
        },
      ],
    });
  });

  it('items of other alerts are listed without buttons', () => {
    const msg = alertMessage({ ...queueAlert, kind: 'failed_items', url: undefined }, 'C1');
    expect(msg.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section']);
  });

  it('at most 20 items, so a message stays under 50 blocks', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({
      ...queueAlert.items![0]!,
      key: `L${i}:1:late-notice:sms`,
    }));
    const msg = alertMessage({ ...queueAlert, items }, 'C1');
    expect(msg.blocks.filter((b) => b.type === 'actions')).toHaveLength(20);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
  });

  it('escapes the characters Slack reads as markup', () => {
    expect(escapeText('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
  });
});

describe("a click's outcome", () => {
  const original = alertMessage(queueAlert, 'C0ALERTS');

  it('an approval replaces the buttons of that item with who approved it', () => {
    const note = decisionNote('approve', 'Maria Lopez', { ok: true, message: 'ok' });
    const out = outcomeMessage(original, 'queue:0', note, true);
    expect(out.replace_original).toBe(true);
    expect(out.text).toBe(original.text);
    expect(out.blocks!.map((b) => b.block_id ?? b.type)).toEqual([
      'header',
      'section',
      'item:0',
      'queue:0:note',
      'context',
    ]);
    expect(out.blocks![3]).toEqual({
      type: 'context',
      block_id: 'queue:0:note',
      elements: [{ type: 'mrkdwn', text: ':white_check_mark: Approved by Maria Lopez' }],
    });
  });

  it('a refusal keeps the buttons and says why under them; a second one replaces the first', () => {
    const note = decisionNote('approve', 'Oscar', { ok: false, message: 'owner may not approve' });
    const once = outcomeMessage(original, 'queue:0', note, false);
    const twice = outcomeMessage(once, 'queue:0', note, false);
    expect(twice.blocks!.map((b) => b.block_id ?? b.type)).toEqual([
      'header',
      'section',
      'item:0',
      'queue:0',
      'queue:0:note',
      'context',
    ]);
    expect(JSON.stringify(twice.blocks![4])).toContain(
      'Oscar could not approve: owner may not approve',
    );
  });

  it('without the original message the note stands alone', () => {
    expect(outcomeMessage(undefined, 'queue:0', 'done', true)).toEqual({
      replace_original: true,
      text: 'done',
      blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: 'done' }] }],
    });
  });

  it('an ephemeral reply leaves the original alone', () => {
    expect(ephemeralReply('no')).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'no',
    });
  });
});

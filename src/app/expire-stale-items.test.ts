/** Which open items expire at scan time, and why (pure: app/expire-stale-items.ts). */
import { describe, expect, it } from 'vitest';
import { decideExpiry, type EpisodeItem } from './expire-stale-items.js';

const TZ = 'America/Los_Angeles';
/** 2026-10-20 at 16:00 in Los Angeles (23:00 UTC). */
const SCAN = Date.parse('2026-10-20T23:00:00Z');

function item(key: string, over: Partial<EpisodeItem> = {}): EpisodeItem {
  const [leaseId = 'L1', episode = '1', stage = 'late-notice'] = key.split(':');
  return {
    key,
    leaseId,
    episode: Number(episode),
    stage,
    type: 'message',
    status: 'draft',
    date: '2026-10-15',
    dueAt: '2026-10-15T16:00:00.000Z',
    timezone: TZ,
    ...over,
  };
}

describe('decideExpiry', () => {
  it('an open item whose later stage went out is superseded', () => {
    for (const status of ['dispatching', 'sent', 'delivered', 'unknown'])
      expect(
        decideExpiry(
          [
            item('L1:1:late-notice:sms'),
            item('L1:1:final-notice:letter', { status, date: '2026-10-18' }),
          ],
          SCAN,
        ),
      ).toEqual([{ key: 'L1:1:late-notice:sms', reason: 'superseded' }]);
  });

  it('a later stage merely queued (a catch-up scan queues several at once) supersedes nothing', () => {
    for (const status of ['draft', 'approved', 'failed'])
      expect(
        decideExpiry(
          [
            item('L1:1:late-notice:sms'),
            item('L1:1:final-notice:letter', { status, date: '2026-10-18' }),
          ],
          SCAN,
        ),
      ).toEqual([]);
  });

  it('a statutory notice, a fee or a task waiting for approval is not superseded by a later stage', () => {
    for (const type of ['document', 'fee', 'task', 'access'])
      expect(
        decideExpiry(
          [
            item('L1:1:pre-lien-notice:certified', { type }),
            item('L1:1:overlock:gate', { status: 'sent', date: '2026-10-18' }),
          ],
          SCAN,
        ),
      ).toEqual([]);
  });

  it('an approved item is superseded too; the later item itself is not', () => {
    expect(
      decideExpiry(
        [
          item('L1:1:late-notice:sms', { status: 'approved' }),
          item('L1:1:final-notice:letter', { status: 'sent', date: '2026-10-18' }),
        ],
        SCAN,
      ),
    ).toEqual([{ key: 'L1:1:late-notice:sms', reason: 'superseded' }]);
  });

  it('nothing supersedes across episodes or leases, on the same stage, or from a withdrawn item', () => {
    expect(
      decideExpiry(
        [
          item('L1:1:late-notice:sms'),
          item('L1:1:late-notice:email', { date: '2026-10-18' }), // same stage, later date
          item('L1:2:final-notice:letter', { date: '2026-10-18', status: 'sent' }),
          item('L2:1:final-notice:letter', { date: '2026-10-18', status: 'sent' }),
          ...['skipped', 'cancelled', 'rejected', 'expired'].map((status, i) =>
            item(`L1:1:stage-${i}:x`, { status, date: '2026-10-19' }),
          ),
        ],
        SCAN,
      ),
    ).toEqual([]);
  });

  it('stale: scheduled more than 14 days before the local scan date', () => {
    const items = [
      item('L1:1:a:x', { date: '2026-10-06' }), // exactly 14 days: still applies
      item('L2:1:a:x', { date: '2026-10-05' }),
      item('L3:1:a:x', { date: '2026-10-05', status: 'approved' }),
      item('L4:1:a:x', { date: '2026-10-05', status: 'sent' }), // not open
    ];
    expect(decideExpiry(items, SCAN)).toEqual([
      { key: 'L2:1:a:x', reason: 'stale' },
      { key: 'L3:1:a:x', reason: 'stale' },
    ]);
  });

  it("the scan's local date is the property's: 05:00 UTC on the 21st is still the 20th in LA", () => {
    const early = Date.parse('2026-10-21T05:00:00Z');
    expect(decideExpiry([item('L1:1:a:x', { date: '2026-10-06' })], early)).toEqual([]);
    expect(
      decideExpiry([item('L1:1:a:x', { date: '2026-10-06', timezone: 'UTC' })], early),
    ).toEqual([{ key: 'L1:1:a:x', reason: 'stale' }]);
  });

  it('without a recorded date the due instant gives it, in the property zone', () => {
    expect(
      decideExpiry([item('L1:1:a:x', { date: null, dueAt: '2026-10-06T03:00:00.000Z' })], SCAN),
    ).toEqual([{ key: 'L1:1:a:x', reason: 'stale' }]); // 2026-10-05 20:00 in LA
  });

  it('superseded wins over stale; engine stages ($…) never expire', () => {
    expect(
      decideExpiry(
        [
          item('L1:1:late-notice:sms', { date: '2026-09-01' }),
          item('L1:1:final-notice:letter', { date: '2026-09-20', status: 'sent' }),
          item('L1:1:$restore:gate', { stage: '$restore', date: '2026-09-01' }),
        ],
        SCAN,
      ),
    ).toEqual([{ key: 'L1:1:late-notice:sms', reason: 'superseded' }]);
  });
});

import { describe, expect, it } from 'vitest';
import type { AuditInput } from '../domain/audit/chain.js';
import { AppError, InputError } from '../domain/errors.js';
import { fixedClock } from './ports/clock.js';
import {
  handoffEntryOf,
  recordHandoff,
  type HandoffEntry,
  type RecordHandoffDeps,
} from './record-handoff.js';

function memory(leases = ['S-1']) {
  const log: (AuditInput & { seq: number })[] = [];
  const deps: RecordHandoffDeps = {
    clock: fixedClock(Date.parse('2026-10-21T09:00:00Z')),
    handoffs: {
      leaseExists: (_org, id) => Promise.resolve(leases.includes(id)),
      history: (_org, id) =>
        Promise.resolve(
          log
            .filter((e) => e.subject === `lease:${id}` && e.type === 'handoff.status')
            .map(handoffEntryOf)
            .filter((e): e is HandoffEntry => e !== null),
        ),
      append(_org, entry) {
        log.push({ ...entry, seq: log.length + 1 });
        return Promise.resolve();
      },
    },
  };
  return { deps, log };
}

const record = (deps: RecordHandoffDeps, status: string, note?: string) =>
  recordHandoff(deps, 'default', {
    leaseId: 'S-1',
    status,
    actor: 'user:paralegal@oakcourt.example',
    ...(note ? { note } : {}),
  });

describe('recording a legal hand-off', () => {
  it('sent → acknowledged → filed, each an audit entry with the status it moved from', async () => {
    const { deps, log } = memory();
    await record(deps, 'sent');
    await record(deps, 'acknowledged', 'Ms. Rivera confirmed by e-mail');
    const filed = await record(deps, 'filed', 'LASC case 26STCV01234');
    expect(filed).toMatchObject({ from: 'acknowledged', status: 'filed', changed: true });
    expect(filed.history.map((e) => [e.from, e.status, e.note])).toEqual([
      [null, 'sent', null],
      ['sent', 'acknowledged', 'Ms. Rivera confirmed by e-mail'],
      ['acknowledged', 'filed', 'LASC case 26STCV01234'],
    ]);
    expect(log[2]).toEqual({
      seq: 3,
      at: '2026-10-21T09:00:00.000Z',
      actor: 'user:paralegal@oakcourt.example',
      type: 'handoff.status',
      subject: 'lease:S-1',
      data: { status: 'filed', from: 'acknowledged', note: 'LASC case 26STCV01234' },
    });
  });

  it('the same status again records nothing', async () => {
    const { deps, log } = memory();
    await record(deps, 'sent');
    expect(await record(deps, 'sent')).toMatchObject({ changed: false, status: 'sent' });
    expect(log).toHaveLength(1);
  });

  it('a returned packet can be prepared and sent again', async () => {
    const { deps } = memory();
    await record(deps, 'prepared');
    await record(deps, 'sent');
    await record(deps, 'returned', 'needs the lease agreement');
    expect(await record(deps, 'sent')).toMatchObject({ from: 'returned', status: 'sent' });
  });

  it('a step the chart does not allow is a conflict naming the allowed ones', async () => {
    const { deps, log } = memory();
    await expect(record(deps, 'acknowledged')).rejects.toThrow(
      new AppError(
        'conflict',
        'lease S-1 has no hand-off yet; record `sent` (or `prepared`) first',
      ),
    );
    await record(deps, 'sent');
    await expect(record(deps, 'filed')).rejects.toThrow(
      'the hand-off of lease S-1 is sent; it can become acknowledged or returned',
    );
    expect(log).toHaveLength(1);
  });

  it('an unknown status, a long note or an unknown lease is refused', async () => {
    const { deps } = memory();
    await expect(record(deps, 'served')).rejects.toBeInstanceOf(InputError);
    await expect(record(deps, 'sent', 'x'.repeat(2001))).rejects.toBeInstanceOf(InputError);
    await expect(
      recordHandoff(deps, 'default', { leaseId: 'S-9', status: 'sent', actor: 'user:x' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});

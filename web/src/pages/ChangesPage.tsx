/** What changed since the last run (SPEC 8): cases opened and closed, payments, replies … */
import { Group, NativeSelect, Paper, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { ScrollTable } from '../components/ScrollTable';
import { StatusBadge } from '../components/StatusBadge';
import { humanize, instant, money } from '../format';
import { caseHref, Link, useSearchParams } from '../router';
import type { ChangesResponse } from '../types';

const COLOR: Record<string, string> = {
  case_opened: 'open',
  case_closed: 'closed',
  payment_received: 'delivered',
  promise_broken: 'failed',
  promise_kept: 'delivered',
  hold_started: 'hold',
  reply_received: 'sent',
  readiness_changed: 'review',
};

export default function ChangesPage() {
  const [params, setParams] = useSearchParams();
  const type = params.get('type') ?? '';
  const q = useQuery({
    queryKey: ['changes'],
    queryFn: () => api.get<ChangesResponse>('/changes'),
  });
  return (
    <>
      <PageHeader
        title="Changes since the last run"
        description="What the latest scan found different from the one before."
      />
      <QueryState query={q} what="changes">
        {() => {
          const r = q.data!;
          const counts = new Map<string, number>();
          for (const c of r.changes) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
          const shown = type ? r.changes.filter((c) => c.type === type) : r.changes;
          return (
            <>
              <Paper withBorder p="sm" mb="md">
                <Group justify="space-between" align="flex-end" wrap="wrap">
                  <div>
                    <Text size="sm" fw={600}>
                      {r.asOf ? `Scan as of ${instant(r.asOf)}` : 'No scan has finished yet.'}
                      {r.finishedAt ? `, finished ${instant(r.finishedAt)}` : ''}
                    </Text>
                    <Group gap={4} mt={4}>
                      {[...counts].map(([t, n]) => (
                        <StatusBadge
                          key={t}
                          status={COLOR[t] ?? 'current'}
                          label={`${humanize(t)}: ${n}`}
                        />
                      ))}
                    </Group>
                  </div>
                  <NativeSelect
                    label="Type"
                    size="xs"
                    value={type}
                    onChange={(e) => setParams({ type: e.currentTarget.value })}
                    data={[
                      { value: '', label: 'All changes' },
                      ...[...counts.keys()].map((t) => ({ value: t, label: humanize(t) })),
                    ]}
                  />
                </Group>
              </Paper>
              {shown.length === 0 ? (
                <Text>Nothing changed{type ? ' of this type' : ''}.</Text>
              ) : (
                <ScrollTable label="Changes" minWidth={700}>
                  <Table withTableBorder striped data-testid="changes-table">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th scope="col">Lease</Table.Th>
                        <Table.Th scope="col">Change</Table.Th>
                        <Table.Th scope="col">Detail</Table.Th>
                        <Table.Th scope="col">Amount</Table.Th>
                        <Table.Th scope="col">Date</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {shown.map((c, i) => (
                        <Table.Tr key={`${c.leaseId}-${c.type}-${i}`}>
                          <Table.Td>
                            <Link to={caseHref(c.leaseId)}>{c.leaseId}</Link>
                          </Table.Td>
                          <Table.Td>
                            <StatusBadge
                              status={COLOR[c.type] ?? 'current'}
                              label={humanize(c.type)}
                            />
                          </Table.Td>
                          <Table.Td>{c.detail}</Table.Td>
                          <Table.Td>
                            {c.amountCents !== undefined ? money(c.amountCents) : '—'}
                          </Table.Td>
                          <Table.Td>{c.date ?? '—'}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </ScrollTable>
              )}
            </>
          );
        }}
      </QueryState>
    </>
  );
}

/**
 * The exception list (SPEC 5): leases that need a human, one row per reason, with who owns
 * the next action, what it is and when it is due.
 */
import { Badge, Group, NativeSelect, Paper, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '../api';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { StatusBadge } from '../components/StatusBadge';
import { humanize, money } from '../format';
import { caseHref, Link, useSearchParams } from '../router';
import { useToday } from '../session';
import type { ExceptionRow } from '../types';
import { ScrollTable } from '../components/ScrollTable';

export default function ExceptionsPage() {
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const owner = params.get('owner') ?? '';
  const today = useToday();
  const q = useQuery({
    queryKey: ['exceptions'],
    queryFn: () => api.get<{ at: string; rows: ExceptionRow[] }>('/exceptions'),
  });
  const rows = q.data?.rows ?? [];
  const counts = useMemo(() => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(r.state, (m.get(r.state) ?? 0) + 1);
    return [...m].sort((a, b) => b[1] - a[1]);
  }, [rows]);
  const owners = useMemo(() => [...new Set(rows.map((r) => r.owner))].sort(), [rows]);
  const shown = rows.filter((r) => (!state || r.state === state) && (!owner || r.owner === owner));
  return (
    <>
      <PageHeader
        title="Exceptions"
        description="Leases the engine will not draft for until a person decides: holds, disputes, recent payments, credits, data problems."
      />
      <QueryState query={q} what="exceptions">
        {() => (
          <>
            <Paper withBorder p="sm" mb="md">
              <Group justify="space-between" align="flex-end" wrap="wrap">
                <Group gap="xs" wrap="wrap" aria-label="Counts by readiness state" role="group">
                  <Text size="sm" fw={600}>
                    {rows.length} rows as of {q.data?.at}:
                  </Text>
                  {counts.map(([s, n]) => (
                    <StatusBadge key={s} status={s} label={`${humanize(s)}: ${n}`} />
                  ))}
                </Group>
                <Group gap="sm">
                  <NativeSelect
                    label="State"
                    size="xs"
                    value={state}
                    onChange={(e) => setParams({ state: e.currentTarget.value })}
                    data={[
                      { value: '', label: 'All states' },
                      ...counts.map(([s]) => ({ value: s, label: humanize(s) })),
                    ]}
                  />
                  <NativeSelect
                    label="Owner"
                    size="xs"
                    value={owner}
                    onChange={(e) => setParams({ owner: e.currentTarget.value })}
                    data={[
                      { value: '', label: 'Everyone' },
                      ...owners.map((o) => ({ value: o, label: humanize(o) })),
                    ]}
                  />
                </Group>
              </Group>
            </Paper>
            {shown.length === 0 ? (
              <Text>
                No exceptions{state || owner ? ' match' : ''}. Every lease with a balance is ready
                or current.
              </Text>
            ) : (
              <ScrollTable label={'Exceptions'} minWidth={1000}>
                <Table striped highlightOnHover withTableBorder data-testid="exceptions-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Lease</Table.Th>
                      <Table.Th scope="col">State</Table.Th>
                      <Table.Th scope="col">Why</Table.Th>
                      <Table.Th scope="col">Amount</Table.Th>
                      <Table.Th scope="col">Owner</Table.Th>
                      <Table.Th scope="col">Next action</Table.Th>
                      <Table.Th scope="col">Due</Table.Th>
                      <Table.Th scope="col">Since</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {shown.map((r, i) => (
                      <Table.Tr
                        key={`${r.leaseId}-${r.code}-${i}`}
                        data-testid={`exception-row-${r.leaseId}`}
                      >
                        <Table.Td>
                          <Link to={caseHref(r.leaseId)}>{r.leaseId}</Link>
                          <Text size="sm">
                            {r.unit ? `Unit ${r.unit}` : ''}
                            {r.propertyId ? ` · ${r.propertyId}` : ''}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={r.state} />
                          {r.severity && (
                            <Badge ml={4} color={r.severity === 'high' ? 'red' : 'gray'}>
                              {r.severity}
                            </Badge>
                          )}
                        </Table.Td>
                        <Table.Td maw={320}>
                          <Text size="sm" fw={600}>
                            {humanize(r.code)}
                          </Text>
                          {r.detail && <Text size="sm">{r.detail}</Text>}
                        </Table.Td>
                        <Table.Td>
                          {r.amountCents !== undefined ? money(r.amountCents) : '—'}
                        </Table.Td>
                        <Table.Td>{humanize(r.owner)}</Table.Td>
                        <Table.Td>{r.nextAction}</Table.Td>
                        <Table.Td>
                          {r.due}
                          {r.due && r.due <= today && /^\d{4}-\d{2}-\d{2}$/.test(r.due) && (
                            <Badge ml={4} color={r.due < today ? 'red' : 'yellow'}>
                              {r.due < today ? 'Overdue' : 'Today'}
                            </Badge>
                          )}
                        </Table.Td>
                        <Table.Td>{r.since ?? '—'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollTable>
            )}
          </>
        )}
      </QueryState>
    </>
  );
}

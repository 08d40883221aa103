/** Every outbox item (one per delivery) by status: where the failed and unknown ones are. */
import { Button, Group, NativeSelect, Paper, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, withQuery, type Page } from '../api';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { ScrollTable } from '../components/ScrollTable';
import { StatusBadge } from '../components/StatusBadge';
import { humanize, instant, money } from '../format';
import { caseHref, Link, useSearchParams } from '../router';
import { OUTBOX_STATUSES, type OutboxItem } from '../types';

export default function OutboxPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const q = useInfiniteQuery({
    queryKey: ['outbox', 'list', status],
    queryFn: ({ pageParam }) =>
      api.get<Page<OutboxItem>>(withQuery('/outbox', { status, limit: 100, cursor: pageParam })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageHeader
        title="Outbox"
        description="Every effect the engine planned, with its status and reason. Unknown items were never retried blindly: decide them with `arrears resolve`."
      />
      <Paper withBorder p="sm" mb="md">
        <NativeSelect
          label="Status"
          size="xs"
          maw={260}
          value={status}
          onChange={(e) => setParams({ status: e.currentTarget.value })}
          data={[
            { value: '', label: 'Any status' },
            { value: 'failed,unknown', label: 'Failed or unknown (need a human)' },
            ...OUTBOX_STATUSES.map((s) => ({ value: s, label: humanize(s) })),
          ]}
          data-testid="outbox-status"
        />
      </Paper>
      <QueryState query={q} what="the outbox">
        {() =>
          rows.length === 0 ? (
            <Text>No outbox items{status ? ' with this status' : ''}.</Text>
          ) : (
            <>
              <ScrollTable label="Outbox items" minWidth={1000}>
                <Table withTableBorder striped data-testid="outbox-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Lease</Table.Th>
                      <Table.Th scope="col">Stage · action</Table.Th>
                      <Table.Th scope="col">Type</Table.Th>
                      <Table.Th scope="col">Status</Table.Th>
                      <Table.Th scope="col">Amount</Table.Th>
                      <Table.Th scope="col">Due</Table.Th>
                      <Table.Th scope="col">Attempts</Table.Th>
                      <Table.Th scope="col">Updated</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((i) => (
                      <Table.Tr key={i.key} data-testid={`outbox-row-${i.key}`}>
                        <Table.Td>
                          <Link to={caseHref(i.leaseId)}>{i.leaseId}</Link>
                          <Text size="xs">case #{i.episode}</Text>
                        </Table.Td>
                        <Table.Td>
                          {humanize(i.stage)} · {humanize(i.action)}
                          <Text size="xs" className="mono">
                            {i.key}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          {humanize(i.type)}
                          {i.channel || i.method ? ` (${humanize(i.channel ?? i.method)})` : ''}
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={i.status} />
                          {i.reason && (
                            <Text size="xs" className="mono">
                              {i.reason}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>{i.amountCents !== null ? money(i.amountCents) : '—'}</Table.Td>
                        <Table.Td>{instant(i.dueAt)}</Table.Td>
                        <Table.Td>{i.attempts}</Table.Td>
                        <Table.Td>{instant(i.updatedAt)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollTable>
              {q.hasNextPage && (
                <Group mt="md">
                  <Button
                    variant="default"
                    onClick={() => void q.fetchNextPage()}
                    loading={q.isFetchingNextPage}
                  >
                    Load more
                  </Button>
                </Group>
              )}
            </>
          )
        }
      </QueryState>
    </>
  );
}

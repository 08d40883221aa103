/** Cases (episodes of delinquency), open by default, with a jump to any lease's case page. */
import { Button, Group, NativeSelect, Paper, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, withQuery, type Page } from '../api';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { StatusBadge } from '../components/StatusBadge';
import { humanize } from '../format';
import { caseHref, Link, useRouter, useSearchParams } from '../router';
import type { CaseSummary } from '../types';
import { ScrollTable } from '../components/ScrollTable';

export default function CasesPage() {
  const { navigate } = useRouter();
  const [params, setParams] = useSearchParams();
  const filter = params.get('open') ?? 'true';
  const [jump, setJump] = useState('');
  const cases = useInfiniteQuery({
    queryKey: ['cases', filter],
    queryFn: ({ pageParam }) =>
      api.get<Page<CaseSummary>>(
        withQuery('/cases', {
          open: filter === 'all' ? undefined : filter,
          limit: 100,
          cursor: pageParam,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = cases.data?.pages.flatMap((p) => p.items) ?? [];
  const go = (e: FormEvent) => {
    e.preventDefault();
    if (jump.trim()) navigate(caseHref(jump.trim()));
  };
  return (
    <>
      <PageHeader
        title="Cases"
        description="Each case is one continuous period of delinquency of a lease."
      />
      <Paper withBorder p="sm" mb="md">
        <Group justify="space-between" align="flex-end" wrap="wrap">
          <NativeSelect
            label="Show"
            value={filter}
            onChange={(e) =>
              setParams({ open: e.currentTarget.value === 'true' ? null : e.currentTarget.value })
            }
            data={[
              { value: 'true', label: 'Open cases' },
              { value: 'false', label: 'Closed cases' },
              { value: 'all', label: 'All cases' },
            ]}
            data-testid="cases-filter"
          />
          <form onSubmit={go}>
            <Group gap="xs" align="flex-end">
              <TextInput
                label="Go to lease"
                placeholder="Lease id"
                value={jump}
                onChange={(e) => setJump(e.currentTarget.value)}
                data-testid="cases-jump"
              />
              <Button type="submit" variant="default">
                Open
              </Button>
            </Group>
          </form>
        </Group>
      </Paper>
      <QueryState query={cases} what="cases">
        {() =>
          rows.length === 0 ? (
            <Text>No cases match.</Text>
          ) : (
            <>
              <ScrollTable label={'Cases'} minWidth={800}>
                <Table striped highlightOnHover withTableBorder data-testid="cases-table">
                  <Table.Caption>
                    {rows.length} cases{cases.hasNextPage ? ' (more below)' : ''}
                  </Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Lease</Table.Th>
                      <Table.Th scope="col">Unit</Table.Th>
                      <Table.Th scope="col">Property</Table.Th>
                      <Table.Th scope="col">Case</Table.Th>
                      <Table.Th scope="col">Opened</Table.Th>
                      <Table.Th scope="col">First unpaid due</Table.Th>
                      <Table.Th scope="col">Status</Table.Th>
                      <Table.Th scope="col">Policy</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((c) => (
                      <Table.Tr key={`${c.leaseId}#${c.episode}`}>
                        <Table.Td>
                          <Link to={caseHref(c.leaseId)} data-testid={`case-link-${c.leaseId}`}>
                            {c.leaseId}
                          </Link>
                        </Table.Td>
                        <Table.Td>{c.unit ?? '—'}</Table.Td>
                        <Table.Td>{c.propertyId ?? '—'}</Table.Td>
                        <Table.Td>#{c.episode}</Table.Td>
                        <Table.Td>{c.opened}</Table.Td>
                        <Table.Td>{c.anchor}</Table.Td>
                        <Table.Td>
                          <StatusBadge
                            status={c.open ? 'open' : 'closed'}
                            label={
                              c.open
                                ? 'Open'
                                : `Closed ${c.closed ?? ''}${c.outcome ? ` (${humanize(c.outcome)})` : ''}`
                            }
                          />
                        </Table.Td>
                        <Table.Td>
                          {c.policyId ? `${c.policyId} v${c.policyVersion ?? '?'}` : '—'}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollTable>
              {cases.hasNextPage && (
                <Button
                  mt="md"
                  variant="default"
                  onClick={() => void cases.fetchNextPage()}
                  loading={cases.isFetchingNextPage}
                >
                  Load more cases
                </Button>
              )}
            </>
          )
        }
      </QueryState>
    </>
  );
}

/** The audit log (SPEC 7), newest first, filterable by subject and type. */
import { Button, Group, Paper, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, withQuery, type Page } from '../api';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { ScrollTable } from '../components/ScrollTable';
import { humanize, instant } from '../format';
import { caseHref, Link, useSearchParams } from '../router';
import type { AuditEntry } from '../types';

export default function AuditPage() {
  const [params, setParams] = useSearchParams();
  const subject = params.get('subject') ?? '';
  const type = params.get('type') ?? '';
  const [s] = useDebouncedValue(subject, 400);
  const [t] = useDebouncedValue(type, 400);
  const q = useInfiniteQuery({
    queryKey: ['audit', s, t],
    queryFn: ({ pageParam }) =>
      api.get<Page<AuditEntry>>(
        withQuery('/audit', { subject: s, type: t, order: 'desc', limit: 100, cursor: pageParam }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every decision and effect, append-only and hash-chained."
      />
      <Paper withBorder p="sm" mb="md">
        <Group gap="md">
          <TextInput
            label="Subject"
            placeholder="lease:L-1"
            value={subject}
            onChange={(e) => setParams({ subject: e.currentTarget.value })}
          />
          <TextInput
            label="Type"
            placeholder="outbox.approved"
            value={type}
            onChange={(e) => setParams({ type: e.currentTarget.value })}
          />
        </Group>
      </Paper>
      <QueryState query={q} what="the audit log">
        {() =>
          rows.length === 0 ? (
            <Text>No audit entries match.</Text>
          ) : (
            <>
              <ScrollTable label="Audit entries" minWidth={800}>
                <Table withTableBorder striped fz="sm" data-testid="audit-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">#</Table.Th>
                      <Table.Th scope="col">When</Table.Th>
                      <Table.Th scope="col">Who</Table.Th>
                      <Table.Th scope="col">What</Table.Th>
                      <Table.Th scope="col">Subject</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((e) => (
                      <Table.Tr key={e.seq}>
                        <Table.Td>{e.seq}</Table.Td>
                        <Table.Td>{instant(e.at)}</Table.Td>
                        <Table.Td>{e.actor}</Table.Td>
                        <Table.Td>{humanize(e.type)}</Table.Td>
                        <Table.Td className="mono">
                          {e.subject.startsWith('lease:') ? (
                            <Link to={caseHref(e.subject.slice(6))}>{e.subject}</Link>
                          ) : (
                            e.subject
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollTable>
              {q.hasNextPage && (
                <Button
                  mt="md"
                  variant="default"
                  onClick={() => void q.fetchNextPage()}
                  loading={q.isFetchingNextPage}
                >
                  Load older entries
                </Button>
              )}
            </>
          )
        }
      </QueryState>
    </>
  );
}

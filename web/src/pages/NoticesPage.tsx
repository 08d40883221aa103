/**
 * Notices: every document the outbox holds (one row per delivery: certified mail to the
 * occupant, first class to the alternate …) with its status, and on demand its proofs of
 * service, carrier events and approvals (from the lease's case page).
 */
import { Badge, Button, Group, List, NativeSelect, Paper, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { api, seg, withQuery, type Page } from '../api';
import { PageHeader } from '../components/PageHeader';
import { ErrorAlert, Loading, QueryState } from '../components/QueryState';
import { ScrollTable } from '../components/ScrollTable';
import { StatusBadge } from '../components/StatusBadge';
import { humanize, instant, money } from '../format';
import { caseHref, Link } from '../router';
import { OUTBOX_STATUSES, type CasePage, type OutboxItem, type TimelineEntry } from '../types';

export default function NoticesPage() {
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const q = useInfiniteQuery({
    queryKey: ['outbox', 'documents', status],
    queryFn: ({ pageParam }) =>
      api.get<Page<OutboxItem>>(withQuery('/outbox', { status, limit: 200, cursor: pageParam })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const all = q.data?.pages.flatMap((p) => p.items) ?? [];
  const docs = all.filter((i) => i.type === 'document');
  return (
    <>
      <PageHeader
        title="Notices"
        description="Legal notices and letters: how each was sent, whether it was delivered, and the proof of service."
        actions={<Link to="/reports?name=notices">Notices report</Link>}
      />
      <Paper withBorder p="sm" mb="md">
        <Group justify="space-between" align="flex-end">
          <NativeSelect
            label="Status"
            size="xs"
            value={status}
            onChange={(e) => setStatus(e.currentTarget.value)}
            data={[
              { value: '', label: 'Any status' },
              ...OUTBOX_STATUSES.map((s) => ({ value: s, label: humanize(s) })),
            ]}
          />
          <Text size="sm">
            {docs.length} documents{q.hasNextPage ? ' so far' : ''}
            {all.length > docs.length ? ` (of ${all.length} outbox items read)` : ''}
          </Text>
        </Group>
      </Paper>
      <QueryState query={q} what="notices">
        {() => (
          <>
            {docs.length === 0 ? (
              <Text>
                No documents{status ? ` with status ${humanize(status)}` : ''}
                {q.hasNextPage ? ' on the pages read so far' : ''}.
              </Text>
            ) : (
              <ScrollTable label="Notices" minWidth={900}>
                <Table withTableBorder data-testid="notices-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Lease</Table.Th>
                      <Table.Th scope="col">Notice</Table.Th>
                      <Table.Th scope="col">Method</Table.Th>
                      <Table.Th scope="col">Status</Table.Th>
                      <Table.Th scope="col">Provider</Table.Th>
                      <Table.Th scope="col">Updated</Table.Th>
                      <Table.Th scope="col">Proof</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {docs.map((d) => (
                      <Fragment key={d.key}>
                        <Table.Tr data-testid={`notice-row-${d.key}`}>
                          <Table.Td>
                            <Link to={caseHref(d.leaseId)}>{d.leaseId}</Link>
                            <Text size="xs">case #{d.episode}</Text>
                          </Table.Td>
                          <Table.Td>
                            <Text size="sm" fw={600}>
                              {humanize(d.action)}
                            </Text>
                            <Text size="xs">{humanize(d.stage)}</Text>
                          </Table.Td>
                          <Table.Td>{humanize(d.method ?? d.channel ?? '—')}</Table.Td>
                          <Table.Td>
                            <StatusBadge status={d.status} />
                            {d.reason && (
                              <Text size="xs" className="mono">
                                {d.reason}
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td>
                            {d.provider ?? '—'}
                            {d.providerId && (
                              <Text size="xs" className="mono">
                                {d.providerId}
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td>{instant(d.updatedAt)}</Table.Td>
                          <Table.Td>
                            <Button
                              size="xs"
                              variant="default"
                              aria-expanded={open === d.key}
                              aria-controls={`proof-${d.key}`}
                              onClick={() => setOpen(open === d.key ? null : d.key)}
                              aria-label={`${open === d.key ? 'Hide' : 'Show'} proof of service for ${humanize(d.action)}, lease ${d.leaseId}`}
                            >
                              {open === d.key ? 'Hide' : 'Show'}
                            </Button>
                          </Table.Td>
                        </Table.Tr>
                        {open === d.key && (
                          <Table.Tr id={`proof-${d.key}`}>
                            <Table.Td colSpan={7} bg="gray.0">
                              <ProofDetail item={d} />
                            </Table.Td>
                          </Table.Tr>
                        )}
                      </Fragment>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollTable>
            )}
            {q.hasNextPage && (
              <Button
                mt="md"
                variant="default"
                onClick={() => void q.fetchNextPage()}
                loading={q.isFetchingNextPage}
              >
                Read more of the outbox
              </Button>
            )}
          </>
        )}
      </QueryState>
    </>
  );
}

const s = (v: unknown) => (typeof v === 'string' ? v : null);

function ProofDetail({ item }: { item: OutboxItem }) {
  const q = useQuery({
    queryKey: ['case', item.leaseId],
    queryFn: () => api.get<CasePage>(`/cases/${seg(item.leaseId)}`),
  });
  if (q.isPending) return <Loading label="Loading proof of service…" />;
  if (q.isError) return <ErrorAlert error={q.error} />;
  const entries: TimelineEntry[] = q.data.cases.flatMap((c) => c.timeline);
  const proofs = entries.filter((e) => e.kind === 'proof' && e.outboxKey === item.key);
  const approvals = entries.filter((e) => e.kind === 'approval' && e.key === item.key);
  const deliveries = entries.filter(
    (e) => e.kind === 'event' && e.type === 'delivery' && e.key === item.key,
  );
  return (
    <Stack gap="xs">
      <Text size="sm">
        Key <span className="mono">{item.key}</span> · version {item.version} · {item.attempts}{' '}
        attempt(s)
        {item.amountCents !== null ? ` · ${money(item.amountCents)}` : ''}
      </Text>
      {proofs.length === 0 ? (
        <Text size="sm">No proof of service recorded yet.</Text>
      ) : (
        proofs.map((p, i) => {
          const events = Array.isArray(p.events) ? (p.events as Record<string, unknown>[]) : [];
          return (
            <div key={i}>
              <Group gap="xs">
                <Text size="sm" fw={600}>
                  Proof: {humanize(s(p.method))}
                </Text>
                <Badge color={s(p.status) === 'returned' ? 'red' : 'teal'}>
                  {humanize(s(p.status))}
                </Badge>
              </Group>
              <Text size="sm">
                {s(p.servedOn) ? `Served ${s(p.servedOn)}` : 'Not served yet'}
                {s(p.trackingNumber) ? ` · tracking ${s(p.trackingNumber)}` : ''}
                {s(p.certificateRef) ? ` · certificate ${s(p.certificateRef)}` : ''}
                {s(p.documentSha256)
                  ? ` · document sha256 ${s(p.documentSha256)?.slice(0, 16)}…`
                  : ''}
              </Text>
              {events.length > 0 && (
                <List size="sm">
                  {events.map((e, j) => (
                    <List.Item key={j}>
                      {s(e.date) ?? instant(s(e.at))}: {humanize(s(e.type))}
                      {s(e.detail) ? ` — ${s(e.detail)}` : ''}
                    </List.Item>
                  ))}
                </List>
              )}
            </div>
          );
        })
      )}
      {deliveries.length > 0 && (
        <Text size="sm">
          Delivery events: {deliveries.map((d) => `${d.date} ${humanize(s(d.status))}`).join('; ')}
        </Text>
      )}
      {approvals.length > 0 && (
        <Text size="sm">
          Approvals:{' '}
          {approvals
            .map(
              (a) =>
                `${humanize(s(a.decision))} by ${s(a.email) ?? s(a.userId)} (v${String(a.version)})`,
            )
            .join('; ')}
        </Text>
      )}
    </Stack>
  );
}

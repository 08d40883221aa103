/**
 * Reports (SPEC 8) from GET /reports/{name}?format=json: an overview with the aging and
 * notices-per-channel charts, and every report on its own with CSV and PDF downloads.
 */
import {
  Anchor,
  Badge,
  Group,
  NativeSelect,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { apiUrl, api, withQuery } from '../api';
import { BarChart } from '../components/BarChart';
import { JsonView } from '../components/JsonView';
import { PageHeader } from '../components/PageHeader';
import { ErrorAlert, Loading, QueryState } from '../components/QueryState';
import { ScrollTable } from '../components/ScrollTable';
import { humanize, money, percent, plural } from '../format';
import { caseHref, Link, useSearchParams } from '../router';
import { AGING_BUCKETS, type AgingReport, type NoticesReport, type PipelineReport } from '../types';

const REPORTS: { name: string; label: string; period: boolean }[] = [
  { name: 'overview', label: 'Overview (charts)', period: true },
  { name: 'aging', label: 'Aging', period: false },
  { name: 'delinquency', label: 'Delinquency detail', period: false },
  { name: 'pipeline', label: 'Case pipeline', period: false },
  { name: 'promises', label: 'Promises kept / broken', period: true },
  { name: 'collections', label: 'Collections and recovery', period: true },
  { name: 'notices', label: 'Notices per channel', period: true },
  { name: 'fees', label: 'Fees assessed vs collected', period: true },
  { name: 'weekly', label: 'Weekly summary', period: true },
  { name: 'owner', label: 'Owner report', period: false },
];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const BLUE = '#1a6aaf';
const GREEN = '#277535';
const RED = '#b63c3c';
const ORANGE = '#a2510d';

type Query = Record<string, string | undefined>;

function useReport<T>(name: string, q: Query, enabled = true) {
  return useQuery({
    queryKey: ['reports', name, q],
    queryFn: () => api.get<T>(withQuery(`/reports/${name}`, { format: 'json', ...q })),
    enabled,
  });
}

export default function ReportsPage() {
  const [params, setParams] = useSearchParams();
  const name = params.get('name') ?? 'overview';
  const report = REPORTS.find((r) => r.name === name) ?? REPORTS[0]!;
  const at = params.get('at') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const owner = params.get('owner') ?? '';
  const query: Query = report.period
    ? { from: DATE.test(from) ? from : undefined, to: DATE.test(to) ? to : undefined }
    : { at: DATE.test(at) ? at : undefined, owner: name === 'owner' && owner ? owner : undefined };
  const file = (format: 'csv' | 'pdf') =>
    apiUrl(withQuery(`/reports/${name}`, { ...query, format }));
  return (
    <>
      <PageHeader
        title="Reports"
        description="Aging, pipeline, promises, collections, notices, fees and owner reports."
      />
      <Paper withBorder p="sm" mb="md">
        <Group align="flex-end" gap="md" wrap="wrap">
          <NativeSelect
            label="Report"
            value={report.name}
            onChange={(e) =>
              setParams({
                name: e.currentTarget.value === 'overview' ? null : e.currentTarget.value,
              })
            }
            data={REPORTS.map((r) => ({ value: r.name, label: r.label }))}
            data-testid="report-picker"
          />
          {report.period ? (
            <>
              <TextInput
                type="date"
                label="From"
                value={from}
                onChange={(e) => setParams({ from: e.currentTarget.value })}
              />
              <TextInput
                type="date"
                label="To"
                value={to}
                onChange={(e) => setParams({ to: e.currentTarget.value })}
              />
            </>
          ) : (
            <TextInput
              type="date"
              label="As of"
              value={at}
              onChange={(e) => setParams({ at: e.currentTarget.value })}
            />
          )}
          {name === 'owner' && (
            <TextInput
              label="Owner id"
              value={owner}
              onChange={(e) => setParams({ owner: e.currentTarget.value })}
            />
          )}
          {name !== 'overview' && (
            <Group gap="sm">
              <Anchor href={file('csv')} download data-testid="report-csv">
                Download CSV
              </Anchor>
              <Anchor href={file('pdf')} download data-testid="report-pdf">
                Download PDF
              </Anchor>
            </Group>
          )}
        </Group>
      </Paper>
      {name === 'overview' ? (
        <Overview query={query} />
      ) : name === 'aging' ? (
        <AgingView query={query} />
      ) : name === 'notices' ? (
        <NoticesView query={query} />
      ) : name === 'pipeline' ? (
        <PipelineView query={query} />
      ) : (
        <GenericView name={name} label={report.label} query={query} />
      )}
    </>
  );
}

function Overview({ query }: { query: Query }) {
  const aging = useReport<AgingReport>('aging', {});
  const notices = useReport<NoticesReport>('notices', query);
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
      <Paper withBorder p="md" component="section" aria-label="Aging">
        {aging.isPending ? (
          <Loading />
        ) : aging.isError ? (
          <ErrorAlert error={aging.error} />
        ) : (
          <AgingChart r={aging.data} />
        )}
      </Paper>
      <Paper withBorder p="md" component="section" aria-label="Notices per channel">
        {notices.isPending ? (
          <Loading />
        ) : notices.isError ? (
          <ErrorAlert error={notices.error} />
        ) : (
          <NoticesChart r={notices.data} />
        )}
      </Paper>
    </SimpleGrid>
  );
}

function AgingChart({ r }: { r: AgingReport }) {
  return (
    <Stack gap="xs" data-testid="chart-aging">
      <BarChart
        title={`Aging of balances as of ${r.asOf}`}
        series={[{ name: 'Owed', color: BLUE }]}
        data={AGING_BUCKETS.map((b) => ({
          label: b === 'current' ? 'Current' : `${b} days`,
          values: [r.buckets[b] ?? 0],
        }))}
        format={(n) => money(n)}
      />
      <Text size="sm">
        Total {money(r.totalCents)}
        {r.unappliedCreditCents
          ? ` · unapplied credit ${money(r.unappliedCreditCents)}`
          : ''} · {plural(r.rows.length, 'lease')}
      </Text>
    </Stack>
  );
}

function NoticesChart({ r }: { r: NoticesReport }) {
  const byChannel = new Map<string, { sent: number; delivered: number; failed: number }>();
  for (const row of r.rows) {
    const c = byChannel.get(row.channel) ?? { sent: 0, delivered: 0, failed: 0 };
    c.sent += row.sent;
    c.delivered += row.delivered;
    c.failed += row.failed + row.bounced + row.returned;
    byChannel.set(row.channel, c);
  }
  const data = [...byChannel].map(([channel, c]) => ({
    label: channel,
    values: [c.sent, c.delivered, c.failed],
  }));
  return (
    <Stack gap="xs" data-testid="chart-notices">
      {data.length === 0 ? (
        <>
          <Text fw={600}>
            Notices per channel, {r.from} to {r.to}
          </Text>
          <Text size="sm">No notices were sent in this period.</Text>
        </>
      ) : (
        <BarChart
          title={`Notices per channel, ${r.from} to ${r.to}`}
          series={[
            { name: 'Sent', color: BLUE },
            { name: 'Delivered', color: GREEN },
            { name: 'Failed, bounced or returned', color: RED },
          ]}
          data={data}
        />
      )}
      <Text size="sm">
        {plural(r.totals.sent, 'notice')} sent · delivery rate {percent(r.totals.deliveryRate)} ·{' '}
        {r.totals.pending} pending · {r.totals.unknown} unknown
      </Text>
    </Stack>
  );
}

function AgingView({ query }: { query: Query }) {
  const q = useReport<AgingReport>('aging', query);
  return (
    <QueryState query={q} what="the aging report">
      {() => {
        const r = q.data!;
        const rows = [...r.rows].sort((a, b) => b.totalCents - a.totalCents);
        return (
          <Stack>
            <Paper withBorder p="md">
              <AgingChart r={r} />
            </Paper>
            <ScrollTable label="Aging by lease" minWidth={900}>
              <Table withTableBorder striped fz="sm" data-testid="aging-table">
                <Table.Caption>Balances by lease, largest first</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Lease</Table.Th>
                    <Table.Th scope="col">Tenant</Table.Th>
                    <Table.Th scope="col">Property</Table.Th>
                    {AGING_BUCKETS.map((b) => (
                      <Table.Th scope="col" key={b}>
                        {b}
                      </Table.Th>
                    ))}
                    <Table.Th scope="col">Total</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((row) => (
                    <Table.Tr key={row.leaseId}>
                      <Table.Td>
                        <Link to={caseHref(row.leaseId)}>{row.leaseId}</Link>
                      </Table.Td>
                      <Table.Td>{row.tenant}</Table.Td>
                      <Table.Td>
                        {row.property} · {row.unit}
                      </Table.Td>
                      {AGING_BUCKETS.map((b) => (
                        <Table.Td key={b}>{row.buckets[b] ? money(row.buckets[b]) : '—'}</Table.Td>
                      ))}
                      <Table.Td fw={600}>{money(row.totalCents)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollTable>
          </Stack>
        );
      }}
    </QueryState>
  );
}

function NoticesView({ query }: { query: Query }) {
  const q = useReport<NoticesReport>('notices', query);
  return (
    <QueryState query={q} what="the notices report">
      {() => {
        const r = q.data!;
        return (
          <Stack>
            <Paper withBorder p="md">
              <NoticesChart r={r} />
            </Paper>
            <ScrollTable label="Notices by channel and method" minWidth={800}>
              <Table withTableBorder striped fz="sm" data-testid="notices-report-table">
                <Table.Caption>By channel and method</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    {[
                      'Channel',
                      'Method',
                      'Sent',
                      'Delivered',
                      'Failed',
                      'Bounced',
                      'Returned',
                      'Unknown',
                      'Pending',
                      'Delivery rate',
                    ].map((h) => (
                      <Table.Th scope="col" key={h}>
                        {h}
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {r.rows.map((row) => (
                    <Table.Tr key={`${row.channel}/${row.method}`}>
                      <Table.Td>{row.channel}</Table.Td>
                      <Table.Td>{humanize(row.method)}</Table.Td>
                      <Table.Td>{row.sent}</Table.Td>
                      <Table.Td>{row.delivered}</Table.Td>
                      <Table.Td>{row.failed}</Table.Td>
                      <Table.Td>{row.bounced}</Table.Td>
                      <Table.Td>{row.returned}</Table.Td>
                      <Table.Td>{row.unknown}</Table.Td>
                      <Table.Td>{row.pending}</Table.Td>
                      <Table.Td>{percent(row.deliveryRate)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollTable>
            {r.notSent.length > 0 && (
              <Paper withBorder p="md">
                <Title order={2} size="h5" mb="xs">
                  Not sent, and why
                </Title>
                <Group gap="xs">
                  {r.notSent.map((n) => (
                    <Badge key={`${n.status}/${n.reason}`} color="gray">
                      {humanize(n.status)}
                      {n.reason ? ` (${humanize(n.reason)})` : ''}: {n.count}
                    </Badge>
                  ))}
                </Group>
              </Paper>
            )}
          </Stack>
        );
      }}
    </QueryState>
  );
}

function PipelineView({ query }: { query: Query }) {
  const q = useReport<PipelineReport>('pipeline', query);
  return (
    <QueryState query={q} what="the pipeline report">
      {() => {
        const r = q.data!;
        return (
          <Stack>
            <Paper withBorder p="md">
              <BarChart
                title={`Open cases by stage, as of ${r.asOf}`}
                series={[{ name: 'Cases', color: ORANGE }]}
                data={r.byStage.map((s) => ({
                  label: s.stageName || humanize(s.stage ?? 'not started'),
                  values: [s.cases],
                }))}
              />
              <Text size="sm">
                {plural(r.totals.cases, 'open case')}, {money(r.totals.pastDueCents)} past due. See
                the <Link to="/pipeline">pipeline board</Link>.
              </Text>
            </Paper>
            <JsonView value={r.rows} title="Cases and past due by track and stage" />
          </Stack>
        );
      }}
    </QueryState>
  );
}

function GenericView({ name, label, query }: { name: string; label: string; query: Query }) {
  const q = useReport<unknown>(name, query);
  return (
    <QueryState query={q} what={`the ${label.toLowerCase()} report`}>
      {() => (
        <Paper withBorder p="md" data-testid={`report-${name}`}>
          <JsonView value={q.data} title={label} />
        </Paper>
      )}
    </QueryState>
  );
}

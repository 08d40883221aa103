/**
 * The pipeline board (SPEC 8 pipeline report): one section per track (eviction, lien,
 * collections), one column per stage in the policy's order, a card per case.
 */
import { Badge, Box, Card, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, withQuery } from '../api';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { humanize, money, plural } from '../format';
import { caseHref, Link } from '../router';
import { TRACKS, type PipelineCase, type PipelineReport, type Track } from '../types';

const TRACK_LABEL: Record<Track, string> = {
  eviction: 'Eviction (possession)',
  lien: 'Lien (self-storage)',
  collections: 'Collections',
};

export default function PipelinePage() {
  const [at, setAt] = useState('');
  const q = useQuery({
    queryKey: ['reports', 'pipeline', at],
    queryFn: () =>
      api.get<PipelineReport>(
        withQuery('/reports/pipeline', {
          format: 'json',
          at: /^\d{4}-\d{2}-\d{2}$/.test(at) ? at : undefined,
        }),
      ),
  });
  return (
    <>
      <PageHeader
        title="Pipeline"
        description="Open cases by track and stage."
        actions={
          <TextInput
            type="date"
            label="As of"
            size="xs"
            value={at}
            onChange={(e) => setAt(e.currentTarget.value)}
          />
        }
      />
      <QueryState query={q} what="the pipeline">
        {() => {
          const r = q.data!;
          return (
            <Stack gap="xl">
              <Group gap="md">
                <Text fw={600}>
                  {plural(r.totals.cases, 'open case')}, {money(r.totals.pastDueCents)} past due, as
                  of {r.asOf}
                </Text>
              </Group>
              {TRACKS.map((track) => (
                <TrackBoard key={track} track={track} report={r} />
              ))}
            </Stack>
          );
        }}
      </QueryState>
    </>
  );
}

function TrackBoard({ track, report }: { track: Track; report: PipelineReport }) {
  const total = report.byTrack.find((t) => t.track === track);
  const cases = report.cases.filter((c) => c.track === track);
  // Stage columns in the report's order (the policies' stage order), then any stragglers.
  const columns: { key: string; name: string; cases: PipelineCase[]; pastDueCents: number }[] = [];
  const seen = new Map<string, (typeof columns)[number]>();
  for (const row of report.rows.filter((x) => x.track === track)) {
    const key = row.stage ?? '(none)';
    const col = {
      key,
      name: row.stageName,
      cases: [] as PipelineCase[],
      pastDueCents: row.pastDueCents,
    };
    seen.set(key, col);
    columns.push(col);
  }
  for (const c of cases) {
    const key = c.stage ?? '(none)';
    let col = seen.get(key);
    if (!col) {
      col = { key, name: c.stageName, cases: [], pastDueCents: 0 };
      seen.set(key, col);
      columns.push(col);
    }
    col.cases.push(c);
  }
  const headingId = `track-${track}`;
  return (
    <Box component="section" aria-labelledby={headingId} data-testid={`pipeline-track-${track}`}>
      <Group gap="sm" mb="xs">
        <Title order={2} size="h3" id={headingId}>
          {TRACK_LABEL[track]}
        </Title>
        <Badge color="gray">{plural(total?.cases ?? cases.length, 'case')}</Badge>
        <Text size="sm">{money(total?.pastDueCents ?? 0)} past due</Text>
      </Group>
      {columns.length === 0 ? (
        <Text size="sm">No open cases on this track.</Text>
      ) : (
        <Box
          style={{ overflowX: 'auto' }}
          pb="sm"
          tabIndex={0}
          aria-label={`${TRACK_LABEL[track]} stages`}
          role="region"
        >
          <Group align="flex-start" wrap="nowrap" gap="md">
            {columns.map((col) => (
              <Paper
                key={col.key}
                withBorder
                p="sm"
                bg="gray.0"
                className="pipeline-column"
                data-testid={`pipeline-column-${track}-${col.key}`}
              >
                <Title order={3} size="h5">
                  {col.name || humanize(col.key)}
                </Title>
                <Text size="sm" mb="xs">
                  {plural(col.cases.length, 'case')} ·{' '}
                  {money(col.cases.reduce((s, c) => s + c.pastDueCents, 0) || col.pastDueCents)}
                </Text>
                <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                  {col.cases
                    .sort((a, b) => b.daysOpen - a.daysOpen)
                    .map((c) => (
                      <Card
                        key={`${c.leaseId}#${c.episode}`}
                        withBorder
                        padding="xs"
                        component="li"
                      >
                        <Link to={caseHref(c.leaseId)} fw={600} size="sm">
                          {c.tenant || c.leaseId}
                        </Link>
                        <Text size="xs">
                          Unit {c.unit} · {c.property}
                        </Text>
                        <Group justify="space-between" mt={4}>
                          <Text size="sm" fw={600}>
                            {money(c.pastDueCents)}
                          </Text>
                          <Text size="xs">{plural(c.daysOpen, 'day')} open</Text>
                        </Group>
                      </Card>
                    ))}
                </Stack>
              </Paper>
            ))}
          </Group>
        </Box>
      )}
    </Box>
  );
}

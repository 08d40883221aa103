/**
 * The policy editor (SPEC 3.3, 10): YAML or JSON source with live validation (POST
 * /policies/validate, debounced), a simulated 90-day preview on a chosen lease (POST
 * /policies/preview), and Save, which first shows the dry run (what changes for open
 * cases) and stores a new version only when confirmed.
 */
import {
  Alert,
  Badge,
  Button,
  Grid,
  Group,
  List,
  Modal,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { api, ApiError, getAllPages, isObject, seg, type ProblemIssue } from '../api';
import { PageHeader } from '../components/PageHeader';
import { ErrorAlert, Loading } from '../components/QueryState';
import { ScrollTable } from '../components/ScrollTable';
import { StatusBadge } from '../components/StatusBadge';
import { humanize, money, plural } from '../format';
import { caseHref, Link, useSearchParams } from '../router';
import { useUser } from '../session';
import type { LeaseListItem, PolicyDetail, PolicySummary } from '../types';

const NEW_POLICY = `# A new policy: give it an id, say which leases it applies to, and add stages.
id: my-policy
version: 1
name: Residential reminders
appliesTo: {kind: residential}
trigger: {minPastDueCents: 100, minDaysPastDue: 1}
exit: {maxPastDueCents: 0}
calendar: calendar
holidays: US
mode: supervised
stages:
  - id: reminder
    name: Friendly reminder
    anchor: delinquency_start
    day: 3
    actions:
      - {id: email, type: message, channel: email, template: reminder, to: [tenant]}
`;

const PREVIEW_DAYS = 90;

interface Validation {
  ok: boolean;
  errors: ProblemIssue[];
  policy: { id: string; version: number } | null;
  stages: number | null;
}

interface NextAction {
  date: string;
  stage: string;
  action: string;
  key?: string;
}

interface ApplyResult {
  stored: boolean;
  policyId: string;
  version: number;
  openCases: {
    leaseId: string;
    episode: number;
    before: NextAction | null;
    after: NextAction | null;
  }[];
}

interface PreviewResult {
  leaseId: string;
  from: string;
  to: string;
  policy: { id: string; version: number; why?: string } | null;
  candidate?: { id: string; version: number; governs: boolean };
  actions: Record<string, unknown>[];
  episodes: Record<string, unknown>[];
  events: Record<string, unknown>[];
}

const formatOf = (source: string): 'json' | 'yaml' =>
  source.trimStart().startsWith('{') ? 'json' : 'yaml';
const str = (v: unknown) => (typeof v === 'string' ? v : null);
const num = (v: unknown) => (typeof v === 'number' ? v : null);

async function validate(source: string): Promise<Validation> {
  try {
    const r = await api.post<Record<string, unknown>>('/policies/validate', {
      source,
      format: formatOf(source),
    });
    const errors = Array.isArray(r.errors) ? (r.errors as ProblemIssue[]) : [];
    const ok =
      typeof r.ok === 'boolean'
        ? r.ok
        : typeof r.valid === 'boolean'
          ? r.valid
          : errors.length === 0;
    const p = isObject(r.policy) ? r.policy : null;
    return {
      ok,
      errors,
      policy: p && typeof p.id === 'string' ? { id: p.id, version: num(p.version) ?? 1 } : null,
      stages: num(r.stages),
    };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 400 || e.status === 422))
      return {
        ok: false,
        errors: e.errors.length ? e.errors : [{ path: 'source', message: e.detail || e.title }],
        policy: null,
        stages: null,
      };
    throw e;
  }
}

function sameAction(a: NextAction | null, b: NextAction | null) {
  return (
    (a?.date ?? null) === (b?.date ?? null) &&
    (a?.stage ?? null) === (b?.stage ?? null) &&
    (a?.action ?? null) === (b?.action ?? null)
  );
}

const describeNext = (n: NextAction | null) =>
  n ? `${n.date}: ${humanize(n.stage)} · ${humanize(n.action)}` : 'nothing planned';

export default function PoliciesPage() {
  const qc = useQueryClient();
  const user = useUser();
  const canEdit = user?.role === 'admin' || user?.role === 'manager';
  const canCheck = !!user && !['owner', 'auditor'].includes(user.role);
  const [params, setParams] = useSearchParams();
  const selectedId = params.get('id') ?? '';
  const [source, setSource] = useState('');
  const [loadedFrom, setLoadedFrom] = useState<string | null>(null);
  const [leaseId, setLeaseId] = useState('');
  const [from, setFrom] = useState('');
  const [dryRun, setDryRun] = useState<ApplyResult | null>(null);
  const [saved, setSaved] = useState<ApplyResult | null>(null);
  const [debounced] = useDebouncedValue(source, 400);

  const policies = useQuery({
    queryKey: ['policies'],
    queryFn: async () => (await getAllPages<PolicySummary>('/policies', 5)).items,
  });
  const detail = useQuery({
    queryKey: ['policy', selectedId],
    queryFn: () => api.get<PolicyDetail>(`/policies/${seg(selectedId)}`),
    enabled: selectedId !== '',
  });
  const leases = useQuery({
    queryKey: ['leases', 'picker'],
    queryFn: async () => (await getAllPages<LeaseListItem>('/leases', 5)).items,
    retry: false,
  });

  // Load the chosen policy's source (or the template for a new one) once per choice.
  useEffect(() => {
    const key = selectedId || '(new)';
    if (loadedFrom === key) return;
    if (!selectedId) {
      setSource(NEW_POLICY);
      setLoadedFrom(key);
    } else if (detail.data) {
      const d = detail.data;
      setSource(d.source ?? JSON.stringify(d.policy ?? d, null, 2));
      setLoadedFrom(key);
    }
  }, [selectedId, detail.data, loadedFrom]);

  const validation = useQuery({
    queryKey: ['policy-validate', debounced],
    queryFn: () => validate(debounced),
    enabled: debounced.trim() !== '' && canCheck,
    staleTime: Infinity,
    placeholderData: (prev) => prev,
  });
  const checking = source !== debounced || validation.isFetching;
  const valid = !checking && validation.data?.ok === true;

  const preview = useQuery({
    queryKey: ['policy-preview', debounced, leaseId, from],
    queryFn: () =>
      api.post<PreviewResult>('/policies/preview', {
        source: debounced,
        format: formatOf(debounced),
        leaseId,
        days: PREVIEW_DAYS,
        ...(/^\d{4}-\d{2}-\d{2}$/.test(from) ? { from } : {}),
      }),
    enabled: validation.data?.ok === true && source === debounced && leaseId !== '' && canCheck,
    staleTime: 60_000,
    retry: false,
    placeholderData: (prev) => prev,
  });

  const runDry = useMutation({
    mutationFn: () =>
      api.post<ApplyResult>('/policies/dry-run', { source, format: formatOf(source) }),
    onSuccess: (r) => setDryRun(r),
  });
  const save = useMutation({
    mutationFn: () => api.post<ApplyResult>('/policies', { source, format: formatOf(source) }),
    onSuccess: async (r) => {
      setSaved(r);
      setDryRun(null);
      await qc.invalidateQueries({ queryKey: ['policies'] });
      await qc.invalidateQueries({ queryKey: ['policy', r.policyId] });
      setLoadedFrom(r.policyId);
      setParams({ id: r.policyId });
    },
  });

  const leaseOptions = useMemo(
    () =>
      (leases.data ?? []).map((l) => {
        const who = l.tenants?.map((t) => t.name).join(' & ') || l.tenant?.name || '';
        const owed =
          typeof l.pastDueCents === 'number' && l.pastDueCents > 0
            ? ` — ${money(l.pastDueCents)} past due`
            : '';
        return {
          value: l.id,
          label: `${l.id}${l.unit ? ` · unit ${l.unit}` : ''}${who ? ` · ${who}` : ''}${owed}`,
        };
      }),
    [leases.data],
  );

  return (
    <>
      <PageHeader
        title="Policies"
        description="Edit a workflow, check it as you type, and see what it would do to a lease over the next 90 days before you save."
      />
      {saved && (
        <Alert
          color="green"
          mb="md"
          role="status"
          withCloseButton
          closeButtonLabel="Dismiss message"
          onClose={() => setSaved(null)}
          data-testid="policy-saved"
        >
          Saved {saved.policyId} as version {saved.version}.{' '}
          {saved.openCases.length > 0
            ? `${plural(saved.openCases.length, 'open case')} continue under it from their next evaluation.`
            : ''}
        </Alert>
      )}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Paper withBorder p="md" component="section" aria-labelledby="editor-title">
            <Group justify="space-between" mb="sm" align="flex-end" wrap="wrap">
              <Title order={2} size="h4" id="editor-title">
                Source
              </Title>
              <NativeSelect
                label="Policy"
                size="xs"
                value={selectedId}
                onChange={(e) => {
                  setSaved(null);
                  setParams({ id: e.currentTarget.value });
                }}
                data={[
                  { value: '', label: 'New policy' },
                  ...(policies.data ?? []).map((p) => ({
                    value: p.id,
                    label: `${p.name ?? p.id} (${p.id} v${p.version ?? '?'})`,
                  })),
                ]}
                data-testid="policy-picker"
              />
            </Group>
            {policies.isError && (
              <ErrorAlert error={policies.error} title="Policies could not be listed" />
            )}
            {detail.isError && (
              <ErrorAlert error={detail.error} title="Policy could not be loaded" />
            )}
            {selectedId && detail.isPending ? (
              <Loading label="Loading the policy…" />
            ) : (
              <Textarea
                label="Policy (YAML or JSON)"
                description="Validated as you type. Saving stores a new version with you as its author."
                value={source}
                onChange={(e) => setSource(e.currentTarget.value)}
                autosize
                minRows={18}
                maxRows={40}
                spellCheck={false}
                wrap="off"
                styles={{
                  input: {
                    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
                    fontSize: 13,
                    whiteSpace: 'pre',
                    overflowX: 'auto',
                  },
                }}
                data-testid="policy-source"
              />
            )}
            <ValidationStatus
              checking={checking}
              validation={validation.data}
              error={validation.error}
              canCheck={canCheck}
            />
            <Group mt="md" justify="flex-end">
              {!canEdit && <Text size="sm">Only admins and managers save policies.</Text>}
              <Button
                onClick={() => runDry.mutate()}
                loading={runDry.isPending}
                disabled={!canEdit || !valid || source.trim() === ''}
                data-testid="policy-save"
              >
                Save…
              </Button>
            </Group>
            {runDry.isError && <ErrorAlert error={runDry.error} title="Dry run failed" />}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Paper withBorder p="md" component="section" aria-labelledby="preview-title">
            <Title order={2} size="h4" id="preview-title" mb="sm">
              {PREVIEW_DAYS}-day preview
            </Title>
            <Group align="flex-end" gap="sm" mb="sm" wrap="wrap">
              {leases.isError ? (
                <TextInput
                  label="Lease id"
                  value={leaseId}
                  onChange={(e) => setLeaseId(e.currentTarget.value.trim())}
                  data-testid="policy-lease"
                />
              ) : (
                <NativeSelect
                  label="Lease"
                  value={leaseId}
                  onChange={(e) => setLeaseId(e.currentTarget.value)}
                  data={[
                    { value: '', label: leases.isPending ? 'Loading leases…' : 'Choose a lease' },
                    ...leaseOptions,
                  ]}
                  data-testid="policy-lease"
                  maw={420}
                />
              )}
              <TextInput
                type="date"
                label="From (default: its today)"
                value={from}
                onChange={(e) => setFrom(e.currentTarget.value)}
              />
              <Button
                variant="default"
                onClick={() => void preview.refetch()}
                disabled={!leaseId || !valid}
                loading={preview.isFetching}
                data-testid="policy-preview-run"
              >
                Refresh preview
              </Button>
            </Group>
            {!leaseId ? (
              <Text size="sm">
                Choose a lease to see what this policy would do to it, day by day.
              </Text>
            ) : !valid && !checking ? (
              <Text size="sm">Fix the errors in the policy to see a preview.</Text>
            ) : preview.isError ? (
              <ErrorAlert error={preview.error} title="Preview failed" />
            ) : preview.data ? (
              <PreviewTable p={preview.data} />
            ) : (
              <Loading label="Simulating…" />
            )}
          </Paper>
        </Grid.Col>
      </Grid>
      <Modal
        opened={!!dryRun}
        onClose={() => setDryRun(null)}
        title="Save this policy?"
        size="xl"
        data-testid="policy-dry-run"
      >
        {dryRun && (
          <Stack>
            <Text>
              This stores <b>{dryRun.policyId}</b> as version <b>{dryRun.version}</b>.{' '}
              {dryRun.openCases.length === 0
                ? 'No open case is governed by it.'
                : `${plural(dryRun.openCases.length, 'open case')} it governs, and their next action:`}
            </Text>
            {dryRun.openCases.length > 0 && (
              <ScrollTable label="Open cases affected" minWidth={600}>
                <Table withTableBorder striped fz="sm" data-testid="policy-dry-run-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Lease</Table.Th>
                      <Table.Th scope="col">Now</Table.Th>
                      <Table.Th scope="col">With this version</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {dryRun.openCases.map((c) => (
                      <Table.Tr key={`${c.leaseId}#${c.episode}`}>
                        <Table.Td>
                          <Link to={caseHref(c.leaseId)}>{c.leaseId}</Link> #{c.episode}
                        </Table.Td>
                        <Table.Td>{describeNext(c.before)}</Table.Td>
                        <Table.Td>
                          {describeNext(c.after)}{' '}
                          {!sameAction(c.before, c.after) && <Badge color="orange">changes</Badge>}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollTable>
            )}
            {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDryRun(null)}>
                Cancel
              </Button>
              <Button
                onClick={() => save.mutate()}
                loading={save.isPending}
                data-testid="policy-save-confirm"
              >
                Save version {dryRun.version}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}

function ValidationStatus({
  checking,
  validation,
  error,
  canCheck,
}: {
  checking: boolean;
  validation: Validation | undefined;
  error: unknown;
  canCheck: boolean;
}) {
  let body;
  if (!canCheck) body = <Text size="sm">Your role cannot check policies.</Text>;
  else if (error) body = <ErrorAlert error={error} title="Validation is unavailable" />;
  else if (checking || !validation) body = <Text size="sm">Checking…</Text>;
  else if (validation.ok)
    body = (
      <Alert color="green" p="xs" data-testid="policy-valid">
        Valid{validation.policy ? `: ${validation.policy.id} v${validation.policy.version}` : ''}
        {validation.stages !== null ? `, ${plural(validation.stages, 'stage')}` : ''}.
      </Alert>
    );
  else
    body = (
      <Alert
        color="red"
        p="xs"
        title={`${plural(validation.errors.length, 'error')} to fix`}
        data-testid="policy-errors"
      >
        <List size="sm">
          {validation.errors.map((e, i) => (
            <List.Item key={i}>
              <Text span size="sm" className="mono" fw={600}>
                {e.path}
              </Text>
              : {e.message}
            </List.Item>
          ))}
        </List>
      </Alert>
    );
  return (
    <div aria-live="polite" role="status" style={{ marginTop: 12 }}>
      {body}
    </div>
  );
}

function PreviewTable({ p }: { p: PreviewResult }) {
  type Row = {
    date: string;
    order: number;
    what: string;
    status: string | null;
    reason: string | null;
    amount: number | null;
    kind: string;
  };
  const rows: Row[] = [];
  for (const e of p.episodes) {
    const opened = str(e.opened);
    const closed = str(e.closed);
    if (opened && opened >= p.from)
      rows.push({
        date: opened,
        order: 0,
        kind: 'case',
        what: `Case #${num(e.episode) ?? '?'} opens (anchor ${str(e.anchor) ?? '?'})`,
        status: null,
        reason: null,
        amount: null,
      });
    if (closed)
      rows.push({
        date: closed,
        order: 3,
        kind: 'case',
        what: `Case #${num(e.episode) ?? '?'} closes${str(e.outcome) ? ` (${humanize(str(e.outcome))})` : ''}`,
        status: null,
        reason: null,
        amount: null,
      });
  }
  for (const a of p.actions)
    rows.push({
      date: str(a.date) ?? str(a.at)?.slice(0, 10) ?? '',
      order: 1,
      kind: str(a.type) ?? 'action',
      what: `${humanize(str(a.stage))} · ${humanize(str(a.action))}${str(a.channel) ? ` by ${str(a.channel)}` : ''}${str(a.title) ? ` — ${str(a.title)}` : ''}`,
      status: str(a.status),
      reason: str(a.reason),
      amount: num(a.amountCents),
    });
  for (const e of p.events)
    rows.push({
      date: str(e.date) ?? '',
      order: 2,
      kind: 'event',
      what: `${humanize(str(e.type))}${str(e.hold) ? `: ${humanize(str(e.hold))}` : ''}${str(e.outcome) ? ` (${humanize(str(e.outcome))})` : ''}`,
      status: null,
      reason: null,
      amount: num(e.amountCents),
    });
  rows.sort((a, b) => a.date.localeCompare(b.date) || a.order - b.order);
  return (
    <Stack gap="sm">
      <Text size="sm">
        Lease <Link to={caseHref(p.leaseId)}>{p.leaseId}</Link>, {p.from} to {p.to}.{' '}
        {p.candidate && !p.candidate.governs && (
          <Badge color="orange">
            This policy would not govern the lease{p.policy ? ` (${p.policy.id} does)` : ''}
          </Badge>
        )}
      </Text>
      {p.policy?.why && <Text size="sm">Why: {p.policy.why}</Text>}
      {rows.length === 0 ? (
        <Text size="sm" data-testid="policy-preview-table">
          Nothing happens to this lease in these {PREVIEW_DAYS} days.
        </Text>
      ) : (
        <ScrollTable label="Simulated preview" minWidth={560}>
          <Table withTableBorder striped fz="sm" data-testid="policy-preview-table">
            <Table.Caption>
              {plural(p.actions.length, 'action')} over {PREVIEW_DAYS} days
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Date</Table.Th>
                <Table.Th scope="col">What</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Amount</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => (
                <Table.Tr key={i} data-kind={r.kind}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{r.date}</Table.Td>
                  <Table.Td>{r.what}</Table.Td>
                  <Table.Td>
                    {r.status && (
                      <StatusBadge
                        status={r.status === 'due' ? 'approved' : r.status}
                        label={humanize(r.status)}
                      />
                    )}
                    {r.reason && (
                      <Text size="xs" className="mono">
                        {r.reason}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{r.amount !== null ? money(r.amount) : ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollTable>
      )}
    </Stack>
  );
}

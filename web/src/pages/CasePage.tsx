/**
 * The case page (/cases/:leaseId): who, what is owed, where the case stands, and one
 * timeline merging the ledger, actions (status and reason code), replies, suggestions
 * (Confirm / Dismiss), holds, approvals, proofs of service and audit entries. "Record
 * payment" posts a payment; the page refetches and shows the case closed once paid.
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Grid,
  Group,
  List,
  Modal,
  NativeSelect,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  useEffect,
  useMemo,
  useRef,
  useState,
  type FormEvent,
  type ReactNode,
  type RefObject,
} from 'react';
import { api, getAllPages, isObject, itemsOf, seg, withQuery } from '../api';
import { PageHeader } from '../components/PageHeader';
import { ErrorAlert, Loading } from '../components/QueryState';
import { statusColor, StatusBadge } from '../components/StatusBadge';
import { humanize, instant, money, parseDollars, plural } from '../format';
import { Link } from '../router';
import { useCanDecide, useToday } from '../session';
import type {
  CaseDetail,
  CasePage as CasePageData,
  Hold,
  Reply,
  Suggestion,
  TimelineEntry,
} from '../types';

type Kind =
  'ledger' | 'action' | 'reply' | 'suggestion' | 'hold' | 'event' | 'approval' | 'proof' | 'audit';

const KIND_LABEL: Record<Kind, string> = {
  ledger: 'Ledger',
  action: 'Actions',
  reply: 'Replies',
  suggestion: 'Suggestions',
  hold: 'Holds',
  event: 'Other events',
  approval: 'Approvals',
  proof: 'Proofs of service',
  audit: 'Audit',
};
const KIND_ONE: Record<Kind, string> = {
  ledger: 'Ledger',
  action: 'Action',
  reply: 'Reply',
  suggestion: 'Suggestion',
  hold: 'Hold',
  event: 'Event',
  approval: 'Approval',
  proof: 'Proof of service',
  audit: 'Audit',
};
const KINDS = Object.keys(KIND_LABEL) as Kind[];
const KIND_COLOR: Record<Kind, string> = {
  ledger: 'blue',
  action: 'indigo',
  reply: 'cyan',
  suggestion: 'grape',
  hold: 'yellow',
  event: 'gray',
  approval: 'green',
  proof: 'teal',
  audit: 'gray',
};

interface Entry {
  id: string;
  kind: Kind;
  date: string;
  at: string | null;
  episode: number | null;
  raw: TimelineEntry | Reply | Suggestion;
}

const HOLD_EVENTS = new Set(['hold', 'release', 'promise', 'plan', 'dispute']);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const sortKey = (e: Entry) => e.at ?? `${e.date}T00:00:00.000Z`;

function latestCase(cases: CaseDetail[]): CaseDetail | null {
  return cases.reduce<CaseDetail | null>((a, c) => (!a || c.episode > a.episode ? c : a), null);
}

/** The balance is paid but the latest case has not closed yet (the next evaluation closes it). */
function paidButOpen(p: CasePageData): boolean {
  const c = latestCase(p.cases);
  return !!c && c.open && p.balanceCents <= 0;
}

/** The stage the case is at: the latest planned action that went ahead or waits. */
function currentStage(c: CaseDetail | null): string | null {
  if (!c) return null;
  const passed = new Set(['skipped', 'expired']);
  const items = c.items.filter((i) => !i.stage.startsWith('$') && !passed.has(i.status));
  const last = items.reduce<(typeof items)[number] | null>(
    (a, i) => (!a || i.dueAt > a.dueAt ? i : a),
    null,
  );
  return last?.stage ?? null;
}

export default function CasePage({ params }: { params: Record<string, string> }) {
  const leaseId = params.leaseId ?? '';
  const qc = useQueryClient();
  const canDecide = useCanDecide();
  const amountRef = useRef<HTMLInputElement>(null);

  const page = useQuery({
    queryKey: ['case', leaseId],
    queryFn: () => api.get<CasePageData>(`/cases/${seg(leaseId)}`),
    // Paid in full but still open: the server closes the case when it re-evaluates the
    // lease; look again until it has.
    refetchInterval: (q) => (q.state.data && paidButOpen(q.state.data) ? 5000 : false),
  });
  const suggestions = useQuery({
    queryKey: ['suggestions', leaseId],
    queryFn: async () =>
      (await getAllPages<Suggestion>(withQuery('/suggestions', { leaseId, status: 'all' }), 5))
        .items,
    retry: false,
  });
  const replies = useQuery({
    queryKey: ['replies', leaseId],
    queryFn: async () => (await getAllPages<Reply>(withQuery('/replies', { leaseId }), 5)).items,
    retry: false,
  });
  const holds = useQuery({
    queryKey: ['holds', leaseId],
    queryFn: async () => itemsOf<Hold>(await api.get(withQuery('/holds', { leaseId })), 'holds'),
    retry: false,
  });
  const lease = useQuery({
    queryKey: ['lease', leaseId],
    queryFn: () => api.get<Record<string, unknown>>(`/leases/${seg(leaseId)}`),
    retry: false,
  });

  const refresh = async () => {
    await Promise.all([
      qc.invalidateQueries({ queryKey: ['case', leaseId] }),
      qc.invalidateQueries({ queryKey: ['suggestions', leaseId] }),
      qc.invalidateQueries({ queryKey: ['holds', leaseId] }),
      qc.invalidateQueries({ queryKey: ['lease', leaseId] }),
    ]);
    void qc.invalidateQueries({ queryKey: ['queue'] });
    void qc.invalidateQueries({ queryKey: ['exceptions'] });
    void qc.invalidateQueries({ queryKey: ['tasks'] });
  };

  if (page.isPending) return <Loading label="Loading the case…" />;
  if (page.isError)
    return (
      <>
        <PageHeader title={`Lease ${leaseId}`} />
        <ErrorAlert error={page.error} />
        <Text mt="md">
          Back to <Link to="/cases">cases</Link>.
        </Text>
      </>
    );

  const data = page.data;
  const current = latestCase(data.cases);
  const leaseInfo = lease.data && isObject(lease.data) ? lease.data : {};
  const leaseCase = isObject(leaseInfo.currentCase) ? leaseInfo.currentCase : {};
  const stage =
    str(leaseInfo.stageName) ??
    str(leaseInfo.stage) ??
    str(leaseCase.stageName) ??
    str(leaseCase.stage) ??
    currentStage(current);
  const readiness = str(leaseInfo.readiness);
  const names = [...data.tenants]
    .sort((a, b) => (a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0))
    .map((t) => t.name);
  const title = names.length > 0 ? names.join(' & ') : `Lease ${data.lease.id}`;
  const standing = isObject(leaseInfo.standing) ? leaseInfo.standing : {};
  const pastDue = num(standing.pastDueCents);
  const governing = isObject(leaseInfo.policy) ? leaseInfo.policy : null;
  const statusKey = !current
    ? 'none'
    : !current.open
      ? 'closed'
      : paidButOpen(data) || (pastDue !== null && pastDue <= 0)
        ? 'paid'
        : 'open';
  const activeHolds = (holds.data ?? []).filter((h) =>
    h.state !== undefined ? h.state === 'active' : h.active !== false,
  );

  return (
    <>
      <PageHeader
        title={title}
        docTitle={`${title} · case`}
        description={
          <>
            Unit {data.lease.unit}
            {data.property
              ? ` · ${data.property.name} (${data.property.jurisdiction}, ${data.property.kind})`
              : ''}{' '}
            · lease {data.lease.id}
          </>
        }
        actions={
          <Button
            onClick={() => {
              amountRef.current?.scrollIntoView({ block: 'center' });
              amountRef.current?.focus();
            }}
            disabled={!canDecide}
            data-testid="case-record-payment"
          >
            Record payment
          </Button>
        }
      />

      <Paper withBorder p="md" mb="md" component="section" aria-label="Case summary">
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="md">
          <Stat label="Balance">
            <Text
              fw={700}
              size="lg"
              c={data.balanceCents > 0 ? 'red.8' : undefined}
              data-testid="case-balance"
            >
              {money(data.balanceCents)}
            </Text>
            {pastDue !== null && <Text size="sm">{money(pastDue)} past due</Text>}
          </Stat>
          <Stat label="Status">
            <Group gap={6} data-testid="case-status" data-status={statusKey}>
              <StatusBadge
                status={
                  statusKey === 'none' ? 'current' : statusKey === 'paid' ? 'closed' : statusKey
                }
                label={
                  statusKey === 'none'
                    ? 'No case'
                    : statusKey === 'open'
                      ? 'Open'
                      : statusKey === 'paid'
                        ? 'Paid in full'
                        : 'Closed'
                }
                size="lg"
              />
              {statusKey === 'paid' && <Text size="sm">closes at the next evaluation</Text>}
              {current && !current.open && (
                <Text size="sm">
                  {current.outcome ? `${humanize(current.outcome)}, ` : ''}
                  {current.closed}
                </Text>
              )}
              {statusKey === 'open' && <Text size="sm">since {current?.opened}</Text>}
            </Group>
          </Stat>
          <Stat label="Stage">
            <Text fw={600} data-testid="case-stage">
              {stage ? humanize(stage) : current?.open ? 'Not started' : '—'}
            </Text>
          </Stat>
          <Stat label="Case">
            <Text>{current ? `#${current.episode}, anchor ${current.anchor}` : '—'}</Text>
            {current?.policyId ? (
              <Text size="sm">
                {current.policyId} v{current.policyVersion}
              </Text>
            ) : (
              governing &&
              str(governing.id) && (
                <Text size="sm" title={str(governing.why) ?? undefined}>
                  policy {str(governing.id)} v{num(governing.version) ?? '?'}
                </Text>
              )
            )}
          </Stat>
          <Stat label="Rent">
            <Text>{money(data.lease.rentCents)}</Text>
            {data.lease.spaceType && <Text size="sm">{humanize(data.lease.spaceType)}</Text>}
          </Stat>
          <Stat label="Lease">
            <Group gap={4}>
              {data.lease.status && <Badge color="gray">{humanize(data.lease.status)}</Badge>}
              {readiness && <StatusBadge status={readiness} />}
              {data.lease.tags.map((t) => (
                <Badge key={t} color={t === 'sensitive' ? 'orange' : 'gray'}>
                  {t}
                </Badge>
              ))}
              {!data.lease.status && !readiness && data.lease.tags.length === 0 && <Text>—</Text>}
            </Group>
          </Stat>
        </SimpleGrid>
        {activeHolds.length > 0 && (
          <Group gap="xs" mt="md" data-testid="case-holds">
            <Text size="sm" fw={600}>
              Holds in force:
            </Text>
            {activeHolds.map((h, i) => (
              <Badge key={h.id ?? i} color="yellow">
                {humanize(h.type ?? h.hold ?? 'hold')}
                {h.scope && h.scope !== 'lease' ? ` (${h.scope})` : ''}
                {h.until ? ` until ${h.until}` : ''}
              </Badge>
            ))}
          </Group>
        )}
      </Paper>

      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Timeline
            data={data}
            replies={replies.data ?? []}
            suggestions={suggestions.data ?? []}
            canDecide={canDecide}
            onChanged={refresh}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Stack>
            <PaymentForm
              leaseId={leaseId}
              balanceCents={data.balanceCents}
              inputRef={amountRef}
              canDecide={canDecide}
              onRecorded={refresh}
            />
            <Paper withBorder p="md" component="section" aria-labelledby="tenants-title">
              <Title order={2} size="h5" id="tenants-title" mb="xs">
                People on the lease
              </Title>
              {data.tenants.length === 0 ? (
                <Text size="sm">None recorded.</Text>
              ) : (
                <List size="sm">
                  {data.tenants.map((t) => (
                    <List.Item key={t.id}>
                      {t.name}
                      {t.role ? ` — ${t.role}` : ''}
                    </List.Item>
                  ))}
                </List>
              )}
            </Paper>
            {data.cases.length > 0 && (
              <Paper withBorder p="md" component="section" aria-labelledby="episodes-title">
                <Title order={2} size="h5" id="episodes-title" mb="xs">
                  Cases of this lease
                </Title>
                <Table fz="sm" withTableBorder>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">#</Table.Th>
                      <Table.Th scope="col">Opened</Table.Th>
                      <Table.Th scope="col">Closed</Table.Th>
                      <Table.Th scope="col">Outcome</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {[...data.cases]
                      .sort((a, b) => b.episode - a.episode)
                      .map((c) => (
                        <Table.Tr key={c.episode}>
                          <Table.Td>{c.episode}</Table.Td>
                          <Table.Td>{c.opened}</Table.Td>
                          <Table.Td>{c.closed ?? 'open'}</Table.Td>
                          <Table.Td>{humanize(c.outcome) || '—'}</Table.Td>
                        </Table.Tr>
                      ))}
                  </Table.Tbody>
                </Table>
              </Paper>
            )}
          </Stack>
        </Grid.Col>
      </Grid>
    </>
  );
}

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" fw={700} tt="uppercase" c="dimmed">
        {label}
      </Text>
      {children}
    </div>
  );
}

function PaymentForm({
  leaseId,
  balanceCents,
  inputRef,
  canDecide,
  onRecorded,
}: {
  leaseId: string;
  balanceCents: number;
  inputRef: RefObject<HTMLInputElement | null>;
  canDecide: boolean;
  onRecorded: () => Promise<void>;
}) {
  const today = useToday();
  const [amount, setAmount] = useState('');
  const [date, setDate] = useState(today);
  const [touched, setTouched] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => setDate(today), [today]);
  const cents = parseDollars(amount);
  const amountError =
    touched && (cents === null || cents <= 0)
      ? 'Enter an amount in dollars, e.g. 125.00'
      : undefined;
  const dateError =
    touched && !/^\d{4}-\d{2}-\d{2}$/.test(date) ? 'Enter the date as YYYY-MM-DD' : undefined;
  const record = useMutation({
    mutationFn: (body: { amountCents: number; date: string }) =>
      api.post<unknown>(`/leases/${seg(leaseId)}/payments`, body),
    onSuccess: async (_r, body) => {
      setDone(`Payment of ${money(body.amountCents)} on ${body.date} recorded.`);
      setAmount('');
      setTouched(false);
      await onRecorded();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    setDone(null);
    if (cents === null || cents <= 0 || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return;
    record.mutate({ amountCents: cents, date });
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="payment-title">
      <Title order={2} size="h5" id="payment-title" mb="xs">
        Record payment
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {record.isError && <ErrorAlert error={record.error} title="Payment not recorded" />}
          {done && (
            <Alert color="green" role="status" data-testid="payment-recorded">
              {done}
            </Alert>
          )}
          <TextInput
            ref={inputRef}
            label="Amount (USD)"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
            error={amountError}
            disabled={!canDecide}
            data-testid="payment-amount"
          />
          {balanceCents > 0 && canDecide && (
            <Button
              variant="subtle"
              size="compact-sm"
              onClick={() => setAmount((balanceCents / 100).toFixed(2))}
            >
              Full balance ({money(balanceCents)})
            </Button>
          )}
          <TextInput
            label="Payment date"
            type="date"
            value={date}
            onChange={(e) => setDate(e.currentTarget.value)}
            error={dateError}
            disabled={!canDecide}
            data-testid="payment-date"
          />
          <Button
            type="submit"
            loading={record.isPending}
            disabled={!canDecide}
            data-testid="payment-submit"
          >
            Record payment
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}

function Timeline({
  data,
  replies,
  suggestions,
  canDecide,
  onChanged,
}: {
  data: CasePageData;
  replies: Reply[];
  suggestions: Suggestion[];
  canDecide: boolean;
  onChanged: () => Promise<void>;
}) {
  const [kinds, setKinds] = useState<string[]>(KINDS);
  const [order, setOrder] = useState<'newest' | 'oldest'>('newest');
  const [dismissing, setDismissing] = useState<Suggestion | null>(null);

  const entries = useMemo(() => {
    const out: Entry[] = [];
    const eventIds = new Set<string>();
    for (const c of data.cases)
      c.timeline.forEach((t, i) => {
        let kind: Kind = (KINDS as string[]).includes(t.kind) ? (t.kind as Kind) : 'event';
        if (t.kind === 'event') {
          const type = str(t.type) ?? '';
          if (type === 'reply') kind = 'reply';
          else if (HOLD_EVENTS.has(type)) kind = 'hold';
          const id = str(t.id);
          if (id) eventIds.add(id);
        }
        out.push({
          id: `c${c.episode}-${i}`,
          kind,
          date: t.date,
          at: t.at,
          episode: c.episode,
          raw: t,
        });
      });
    for (const r of replies)
      if (!eventIds.has(r.id))
        out.push({
          id: `r-${r.id}`,
          kind: 'reply',
          date: r.receivedAt.slice(0, 10),
          at: r.receivedAt,
          episode: r.episode,
          raw: r,
        });
    for (const s of suggestions) {
      const at = s.createdAt ?? s.receivedAt ?? null;
      out.push({
        id: `s-${s.id}`,
        kind: 'suggestion',
        date: s.replyDate ?? at?.slice(0, 10) ?? '',
        at,
        episode: s.episode,
        raw: s,
      });
    }
    out.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    return out;
  }, [data, replies, suggestions]);

  const open = suggestions.filter((s) => s.status === 'open');
  const shown = entries.filter((e) => kinds.includes(e.kind));
  if (order === 'newest') shown.reverse();
  const multiCase = data.cases.length > 1;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="timeline-title">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={2} size="h4" id="timeline-title">
          Timeline
        </Title>
        <NativeSelect
          label="Order"
          size="xs"
          value={order}
          onChange={(e) => setOrder(e.currentTarget.value as 'newest' | 'oldest')}
          data={[
            { value: 'newest', label: 'Newest first' },
            { value: 'oldest', label: 'Oldest first' },
          ]}
        />
      </Group>
      {open.length > 0 && (
        <Alert
          color="grape"
          mb="sm"
          title={`${plural(open.length, 'suggestion')} from replies ${open.length === 1 ? 'awaits' : 'await'} a decision`}
        >
          <Text size="sm">
            Confirm records what the tenant said (a promise, a dispute …); Dismiss records only the
            decision.
          </Text>
        </Alert>
      )}
      <Checkbox.Group label="Show" value={kinds} onChange={setKinds} mb="md">
        <Group gap="md" mt={4}>
          {KINDS.map((k) => (
            <Checkbox
              key={k}
              value={k}
              label={`${KIND_LABEL[k]} (${entries.filter((e) => e.kind === k).length})`}
            />
          ))}
        </Group>
      </Checkbox.Group>
      {shown.length === 0 ? (
        <Text size="sm">Nothing to show.</Text>
      ) : (
        <ol className="timeline" aria-label="Case timeline" data-testid="case-timeline">
          {shown.map((e) => (
            <li
              key={e.id}
              style={{ ['--dot' as string]: `var(--mantine-color-${KIND_COLOR[e.kind]}-6)` }}
              data-kind={e.kind}
            >
              <Group gap="xs" mb={2} wrap="wrap">
                <Text size="sm" fw={600} component="span">
                  {e.at ? instant(e.at) : e.date}
                </Text>
                <Badge color={KIND_COLOR[e.kind]} size="sm">
                  {KIND_ONE[e.kind]}
                </Badge>
                {multiCase && e.episode !== null && (
                  <Text size="xs" component="span">
                    case #{e.episode}
                  </Text>
                )}
              </Group>
              <EntryBody
                entry={e}
                canDecide={canDecide}
                onChanged={onChanged}
                onDismiss={(s) => setDismissing(s)}
              />
            </li>
          ))}
        </ol>
      )}
      <DismissDialog
        suggestion={dismissing}
        onClose={() => setDismissing(null)}
        onDone={onChanged}
      />
    </Paper>
  );
}

function EntryBody({
  entry,
  canDecide,
  onChanged,
  onDismiss,
}: {
  entry: Entry;
  canDecide: boolean;
  onChanged: () => Promise<void>;
  onDismiss: (s: Suggestion) => void;
}) {
  if (entry.kind === 'suggestion')
    return (
      <SuggestionEntry
        s={entry.raw as Suggestion}
        canDecide={canDecide}
        onChanged={onChanged}
        onDismiss={onDismiss}
      />
    );
  if (entry.kind === 'reply' && !('kind' in entry.raw)) {
    const r = entry.raw as Reply;
    return (
      <Stack gap={2}>
        <Text size="sm">
          Reply by {r.channel}: “{r.text}”
        </Text>
        <Group gap={4}>{r.intent && <Badge color="cyan">{humanize(r.intent)}</Badge>}</Group>
      </Stack>
    );
  }
  const t = entry.raw as TimelineEntry;
  switch (t.kind) {
    case 'ledger': {
      const type = str(t.type) ?? 'entry';
      const minus = ['payment', 'credit', 'writeoff'].includes(type);
      return (
        <Text size="sm">
          {humanize(type)}
          {str(t.category) ? ` · ${str(t.category)}` : ''}: {minus ? '−' : ''}
          {money(num(t.amountCents))}
          {str(t.dueDate) ? ` (due ${str(t.dueDate)})` : ''}
          {str(t.memo) ? ` — ${str(t.memo)}` : ''}
        </Text>
      );
    }
    case 'action': {
      const status = str(t.status);
      const reason = str(t.reason);
      return (
        <Stack gap={2}>
          <Group gap="xs" wrap="wrap">
            <Text size="sm" fw={600}>
              {humanize(str(t.stage))} · {humanize(str(t.action))}
            </Text>
            <StatusBadge status={status} />
            {reason && <Code>{reason}</Code>}
          </Group>
          <Text size="sm">
            {humanize(str(t.type))}
            {str(t.channel) ? ` by ${str(t.channel)}` : ''}
            {str(t.method) ? ` (${humanize(str(t.method))})` : ''}
            {num(t.amountCents) !== null ? ` · ${money(num(t.amountCents))}` : ''}
            {num(t.pastDueCents) !== null ? ` · past due ${money(num(t.pastDueCents))}` : ''}
            {str(t.dueAt) ? ` · due ${instant(str(t.dueAt))}` : ''}
            {str(t.provider) ? ` · ${str(t.provider)}` : ''}
          </Text>
          <Text size="xs" className="mono" c="dimmed">
            {str(t.key)} · v{num(t.version) ?? 1}
          </Text>
        </Stack>
      );
    }
    case 'approval':
      return (
        <Text size="sm">
          {humanize(str(t.decision) ?? 'approved')} by {str(t.email) ?? str(t.userId) ?? 'someone'}{' '}
          (version {num(t.version) ?? '?'}){str(t.reason) ? `: ${str(t.reason)}` : ''}
        </Text>
      );
    case 'proof': {
      const events = Array.isArray(t.events) ? (t.events as Record<string, unknown>[]) : [];
      return (
        <Stack gap={2}>
          <Group gap="xs">
            <Text size="sm" fw={600}>
              Proof of service: {humanize(str(t.method))}
            </Text>
            <Badge
              color={statusColor(
                str(t.status) === 'returned'
                  ? 'failed'
                  : str(t.status) === 'served'
                    ? 'delivered'
                    : str(t.status),
              )}
            >
              {humanize(str(t.status))}
            </Badge>
          </Group>
          <Text size="sm">
            {str(t.servedOn) ? `Served ${str(t.servedOn)}` : 'Not yet served'}
            {str(t.provider) ? ` · ${str(t.provider)}` : ''}
            {str(t.trackingNumber) ? ` · tracking ${str(t.trackingNumber)}` : ''}
            {str(t.certificateRef) ? ` · certificate ${str(t.certificateRef)}` : ''}
          </Text>
          {str(t.documentSha256) && (
            <Text size="xs" className="mono" c="dimmed">
              document sha256 {str(t.documentSha256)?.slice(0, 16)}…
            </Text>
          )}
          {events.length > 0 && (
            <List size="sm">
              {events.map((ev, i) => (
                <List.Item key={i}>
                  {str(ev.date) ?? instant(str(ev.at))}: {humanize(str(ev.type))}
                  {str(ev.detail) ? ` — ${str(ev.detail)}` : ''}
                </List.Item>
              ))}
            </List>
          )}
        </Stack>
      );
    }
    case 'audit':
      return (
        <Text size="sm">
          #{num(t.seq)} {humanize(str(t.type))} by {str(t.actor) ?? 'system'}{' '}
          <Text span size="xs" className="mono" c="dimmed">
            {str(t.subject)}
          </Text>
        </Text>
      );
    default:
      return <EventText t={t} />;
  }
}

function EventText({ t }: { t: TimelineEntry }) {
  const type = str(t.type) ?? 'event';
  const by = str(t.by);
  const note = str(t.note);
  let text: string;
  switch (type) {
    case 'reply':
      text = `Reply by ${str(t.channel) ?? 'message'}: “${str(t.text) ?? ''}”`;
      break;
    case 'hold':
      text = `Hold placed: ${humanize(str(t.hold))}${str(t.scope) && t.scope !== 'lease' ? ` (${str(t.scope)})` : ''}${str(t.until) ? ` until ${str(t.until)}` : ''}`;
      break;
    case 'release':
      text = `Hold released: ${humanize(str(t.hold))}`;
      break;
    case 'promise':
      text = `Promise to pay${num(t.amountCents) !== null ? ` ${money(num(t.amountCents))}` : ''} by ${str(t.until) ?? '?'}`;
      break;
    case 'plan': {
      const n = Array.isArray(t.installments) ? t.installments.length : 0;
      text = `Payment plan: ${plural(n, 'installment')}`;
      break;
    }
    case 'dispute':
      text = `Dispute${str(t.reason) ? `: ${str(t.reason)}` : ''}`;
      break;
    case 'flag':
      text = `Flagged for attention${str(t.reason) ? `: ${str(t.reason)}` : ''}`;
      break;
    case 'status':
      text = `Tenant status: ${humanize(str(t.status))}`;
      break;
    case 'close':
      text = `Case closed: ${humanize(str(t.outcome))}${str(t.reason) ? ` — ${str(t.reason)}` : ''}`;
      break;
    case 'delivery':
      text = `Delivery ${humanize(str(t.status))}${str(t.method) ? ` (${humanize(str(t.method))})` : str(t.channel) ? ` (${str(t.channel)})` : ''}`;
      break;
    case 'approve':
      text = `Approved ${str(t.key) ?? ''}`;
      break;
    case 'reject':
      text = `Rejected ${str(t.key) ?? ''}${str(t.reason) ? `: ${str(t.reason)}` : ''}`;
      break;
    case 'auction_completed':
      text = 'Auction completed';
      break;
    default:
      text = humanize(type);
  }
  return (
    <Text size="sm">
      {text}
      {by ? ` · by ${by}` : ''}
      {note ? ` · ${note}` : ''}
    </Text>
  );
}

const NEEDS_DATE = new Set(['promise', 'payment_plan']);

function SuggestionEntry({
  s,
  canDecide,
  onChanged,
  onDismiss,
}: {
  s: Suggestion;
  canDecide: boolean;
  onChanged: () => Promise<void>;
  onDismiss: (s: Suggestion) => void;
}) {
  const [until, setUntil] = useState(typeof s.proposal.until === 'string' ? s.proposal.until : '');
  const [amount, setAmount] = useState(
    typeof s.proposal.amountCents === 'number' ? (s.proposal.amountCents / 100).toFixed(2) : '',
  );
  const confirm = useMutation({
    mutationFn: () => {
      const body: { amountCents?: number; until?: string } = {};
      const cents = parseDollars(amount);
      if (cents !== null && cents > 0 && cents !== s.proposal.amountCents) body.amountCents = cents;
      if (until && until !== s.proposal.until) body.until = until;
      return api.post(`/suggestions/${seg(s.id)}/confirm`, body);
    },
    onSuccess: onChanged,
  });
  const proposal: string[] = [];
  if (typeof s.proposal.amountCents === 'number') proposal.push(money(s.proposal.amountCents));
  if (typeof s.proposal.until === 'string') proposal.push(`by ${s.proposal.until}`);
  const label = `${humanize(s.kind)} suggested by a ${s.channel ?? ''} reply`.replace(/  +/g, ' ');
  return (
    <Stack gap={4} data-testid={`suggestion-${s.id}`}>
      <Group gap="xs">
        <Text size="sm" fw={600}>
          Suggested: {humanize(s.kind)}
          {proposal.length > 0 ? ` (${proposal.join(' ')})` : ''}
        </Text>
        <StatusBadge status={s.status} />
      </Group>
      {s.text && <Text size="sm">“{s.text}”</Text>}
      {s.status !== 'open' && s.decidedBy && (
        <Text size="xs" c="dimmed">
          {humanize(s.status)} by {s.decidedBy}
          {s.decidedAt ? ` on ${instant(s.decidedAt)}` : ''}
        </Text>
      )}
      {s.status === 'open' && canDecide && (
        <>
          {NEEDS_DATE.has(s.kind) && (
            <Group gap="sm" align="flex-end">
              <TextInput
                size="xs"
                label="Amount (USD)"
                inputMode="decimal"
                value={amount}
                onChange={(e) => setAmount(e.currentTarget.value)}
                w={120}
              />
              <TextInput
                size="xs"
                type="date"
                label="Promised by"
                value={until}
                onChange={(e) => setUntil(e.currentTarget.value)}
                w={160}
              />
            </Group>
          )}
          {confirm.isError && <ErrorAlert error={confirm.error} title="Not confirmed" />}
          <Group gap="xs">
            <Button
              size="xs"
              color="green"
              onClick={() => confirm.mutate()}
              loading={confirm.isPending}
              disabled={NEEDS_DATE.has(s.kind) && s.kind === 'promise' && !until}
              aria-label={`Confirm: ${label}`}
              data-testid={`suggestion-confirm-${s.id}`}
            >
              Confirm
            </Button>
            <Button
              size="xs"
              variant="default"
              onClick={() => onDismiss(s)}
              aria-label={`Dismiss: ${label}`}
              data-testid={`suggestion-dismiss-${s.id}`}
            >
              Dismiss
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}

function DismissDialog({
  suggestion,
  onClose,
  onDone,
}: {
  suggestion: Suggestion | null;
  onClose: () => void;
  onDone: () => Promise<void>;
}) {
  const [shown, setShown] = useState<Suggestion | null>(suggestion);
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const dismiss = useMutation({
    mutationFn: (s: Suggestion) =>
      api.post(`/suggestions/${seg(s.id)}/dismiss`, { reason: reason.trim() }),
    onSuccess: async () => {
      onClose();
      await onDone();
    },
  });
  const { reset } = dismiss;
  useEffect(() => {
    if (!suggestion) return;
    setShown(suggestion);
    setReason('');
    setTouched(false);
    reset();
  }, [suggestion, reset]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (shown && reason.trim()) dismiss.mutate(shown);
  };
  return (
    <Modal
      opened={!!suggestion}
      onClose={onClose}
      title={`Dismiss suggestion: ${humanize(shown?.kind ?? '')}`}
    >
      <form onSubmit={submit}>
        <Stack>
          {dismiss.isError && <ErrorAlert error={dismiss.error} title="Not dismissed" />}
          {shown?.text && <Text size="sm">“{shown.text}”</Text>}
          <Textarea
            label="Reason"
            required
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={touched && !reason.trim() ? 'Say why the suggestion is dismissed' : undefined}
            autosize
            minRows={2}
            data-autofocus
            data-testid="suggestion-dismiss-reason"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              loading={dismiss.isPending}
              data-testid="suggestion-dismiss-submit"
            >
              Dismiss suggestion
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

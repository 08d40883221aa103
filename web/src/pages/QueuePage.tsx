/**
 * Today's approval queue (SPEC 5, 10, R13): drafts grouped by readiness (or stage or
 * property), checkboxes with "Approve selected", approve-all of a group, reject with a
 * reason, and the draft editor (a saved edit is a new version and resets approvals).
 * Every control is a native checkbox or button with an accessible name, so the whole flow
 * works from the keyboard (Tab / Shift+Tab, Space on checkboxes, Enter or Space on buttons;
 * the modals trap focus and give it back on close).
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, errorMessage, seg } from '../api';
import { PageHeader } from '../components/PageHeader';
import { ErrorAlert, QueryState } from '../components/QueryState';
import { StatusBadge } from '../components/StatusBadge';
import { humanize, instant, money, plural } from '../format';
import { caseHref, Link } from '../router';
import { useCanDecide, useUser } from '../session';
import type { ApproveResult, EditResult, OutboxItem, QueueItem } from '../types';
import { ScrollTable } from '../components/ScrollTable';

type GroupBy = 'readiness' | 'stage' | 'property';

const READINESS_LABEL: Record<string, string> = {
  ready: 'Ready to approve',
  review: 'Changed since drafted: review before approving',
  second_approval: 'Waiting for a second approver',
  hold: 'On hold',
  disputed: 'Disputed',
  recent_payment: 'Recent payment',
  payment_plan: 'Payment plan',
  credit_ambiguous: 'Credit or deposit may cover it',
  blocked: 'Blocked',
  current: 'Current',
};
const READINESS_ORDER = Object.keys(READINESS_LABEL);

/** The readiness of a draft: the server's when it sends one, else what the item says. */
export function readinessOf(item: QueueItem): string {
  if (item.readiness) return item.readiness;
  if (item.reason) return 'review';
  if (item.approvals.length > 0 && item.needs > 0) return 'second_approval';
  return 'ready';
}

function describe(item: QueueItem): string {
  const who = item.tenant?.name ?? `lease ${item.leaseId}`;
  const unit = item.lease?.unit ? `, unit ${item.lease.unit}` : '';
  return `${who}${unit}: ${humanize(item.stage)} ${humanize(item.action)}`;
}

interface Group {
  key: string;
  label: string;
  items: QueueItem[];
  /** The bulk request that approves exactly this group. */
  target: { keys: string[] } | { stage: string } | { propertyId: string };
}

function groupItems(items: QueueItem[], by: GroupBy): Group[] {
  const map = new Map<string, Group>();
  for (const item of items) {
    let key: string;
    let label: string;
    if (by === 'readiness') {
      key = readinessOf(item);
      label = READINESS_LABEL[key] ?? humanize(key);
    } else if (by === 'stage') {
      key = item.stage;
      label = `Stage: ${humanize(item.stage)}`;
    } else {
      key = item.propertyId ?? item.property?.id ?? '(none)';
      label =
        item.property?.name ?? (item.propertyId ? `Property ${item.propertyId}` : 'No property');
    }
    let g = map.get(key);
    if (!g) {
      g = { key, label, items: [], target: { keys: [] } };
      map.set(key, g);
    }
    g.items.push(item);
  }
  const groups = [...map.values()];
  for (const g of groups) {
    if (by === 'stage') g.target = { stage: g.key };
    else if (by === 'property' && g.key !== '(none)') g.target = { propertyId: g.key };
    else g.target = { keys: g.items.map((i) => i.key) };
  }
  if (by === 'readiness')
    groups.sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
  else groups.sort((a, b) => a.label.localeCompare(b.label));
  return groups;
}

const rank = (k: string) => {
  const i = READINESS_ORDER.indexOf(k);
  return i < 0 ? READINESS_ORDER.length : i;
};

interface Outcome {
  color: string;
  title: string;
  lines: string[];
}

function summarize(r: ApproveResult, labelOf: (key: string) => string): Outcome {
  const lines: string[] = [];
  if (r.approved.length > 0) lines.push(`${plural(r.approved.length, 'draft')} approved.`);
  if (r.pending.length > 0)
    lines.push(
      `${plural(r.pending.length, 'draft')} recorded your approval and need a second approver.`,
    );
  if (r.waiting.length > 0)
    lines.push(
      `${plural(r.waiting.length, 'draft')} you already approved still wait for someone else.`,
    );
  for (const f of r.refused) lines.push(`Refused — ${labelOf(f.key)}: ${f.message}`);
  const color = r.refused.length > 0 ? (r.approved.length > 0 ? 'orange' : 'red') : 'green';
  const title =
    r.refused.length > 0
      ? `${plural(r.refused.length, 'draft was', 'drafts were')} refused`
      : r.approved.length + r.pending.length > 0
        ? 'Approval recorded'
        : 'Nothing to approve';
  return { color, title, lines: lines.length > 0 ? lines : ['Nothing changed.'] };
}

export default function QueuePage() {
  const qc = useQueryClient();
  const user = useUser();
  const canDecide = useCanDecide();
  const queue = useQuery({
    queryKey: ['queue'],
    queryFn: () => api.get<{ items: QueueItem[] }>('/queue'),
    refetchInterval: 60_000,
  });
  const [groupBy, setGroupBy] = useState<GroupBy>('readiness');
  const [propertyFilter, setPropertyFilter] = useState('');
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [editing, setEditing] = useState<QueueItem | null>(null);
  const [rejecting, setRejecting] = useState<QueueItem | null>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  // A decided row leaves the table: put the keyboard focus on what happened.
  useEffect(() => {
    if (outcome) outcomeRef.current?.focus();
  }, [outcome]);

  const all = queue.data?.items ?? [];
  const properties = useMemo(() => {
    const m = new Map<string, string>();
    for (const i of all) {
      const id = i.propertyId ?? i.property?.id;
      if (id) m.set(id, i.property?.name ?? id);
    }
    return [...m].sort((a, b) => a[1].localeCompare(b[1]));
  }, [all]);
  const items = propertyFilter
    ? all.filter((i) => (i.propertyId ?? i.property?.id) === propertyFilter)
    : all;
  const groups = useMemo(() => groupItems(items, groupBy), [items, groupBy]);
  const byKey = useMemo(() => new Map(all.map((i) => [i.key, i])), [all]);
  const labelOf = (key: string) => {
    const i = byKey.get(key);
    return i ? describe(i) : key;
  };

  // Forget selections of drafts that left the queue.
  useEffect(() => {
    setSelected((prev) => {
      const next = new Set([...prev].filter((k) => byKey.has(k)));
      return next.size === prev.size ? prev : next;
    });
  }, [byKey]);

  const afterDecision = async (r: ApproveResult) => {
    setOutcome(summarize(r, labelOf));
    const decided = new Set([...r.approved, ...r.pending, ...r.waiting].map((d) => d.key));
    setSelected((prev) => new Set([...prev].filter((k) => !decided.has(k))));
    await qc.invalidateQueries({ queryKey: ['queue'] });
    void qc.invalidateQueries({ queryKey: ['outbox'] });
  };

  const bulk = useMutation({
    mutationFn: (target: Record<string, unknown>) =>
      api.post<ApproveResult>('/queue/approve', target),
    onSuccess: afterDecision,
    onError: (e) =>
      setOutcome({ color: 'red', title: 'Approval failed', lines: [errorMessage(e)] }),
  });
  const single = useMutation({
    mutationFn: (item: QueueItem) =>
      api.post<ApproveResult>(`/queue/${seg(item.key)}/approve`, { version: item.version }),
    onSuccess: afterDecision,
    onError: async (e, item) => {
      setOutcome({
        color: 'red',
        title: `Not approved — ${describe(item)}`,
        lines: [errorMessage(e)],
      });
      await qc.invalidateQueries({ queryKey: ['queue'] });
    },
  });
  const busy = bulk.isPending || single.isPending;

  const approveKeys = (keys: string[]) => {
    // The API takes at most 1000 keys per request.
    if (keys.length <= 1000) return bulk.mutate({ keys });
    void (async () => {
      const merged: ApproveResult = {
        user: { email: user?.email ?? '', role: user?.role ?? '' },
        approved: [],
        pending: [],
        waiting: [],
        refused: [],
      };
      try {
        for (let i = 0; i < keys.length; i += 1000) {
          const r = await api.post<ApproveResult>('/queue/approve', {
            keys: keys.slice(i, i + 1000),
          });
          merged.approved.push(...r.approved);
          merged.pending.push(...r.pending);
          merged.waiting.push(...r.waiting);
          merged.refused.push(...r.refused);
        }
        await afterDecision(merged);
      } catch (e) {
        setOutcome({ color: 'red', title: 'Approval failed', lines: [errorMessage(e)] });
      }
    })();
  };

  const visibleKeys = items.map((i) => i.key);
  const selectedVisible = visibleKeys.filter((k) => selected.has(k));
  const allChecked = visibleKeys.length > 0 && selectedVisible.length === visibleKeys.length;
  const someChecked = selectedVisible.length > 0 && !allChecked;

  const toggle = (keys: string[], on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const k of keys) {
        if (on) next.add(k);
        else next.delete(k);
      }
      return next;
    });

  return (
    <>
      <PageHeader
        title="Approval queue"
        description="Today's drafts. Nothing leaves the building until someone approves it."
      />
      {outcome && (
        <Alert
          ref={outcomeRef}
          tabIndex={-1}
          color={outcome.color}
          title={outcome.title}
          mb="md"
          role="status"
          aria-live="polite"
          withCloseButton
          closeButtonLabel="Dismiss message"
          onClose={() => setOutcome(null)}
          data-testid="queue-outcome"
        >
          <Stack gap={2}>
            {outcome.lines.map((l, i) => (
              <Text size="sm" key={i}>
                {l}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      <QueryState query={queue} what="the queue">
        {() => (
          <Stack gap="lg">
            <Paper withBorder p="sm" component="section" aria-label="Queue actions">
              <Group justify="space-between" wrap="wrap" gap="sm">
                <Group gap="md" wrap="wrap">
                  <Checkbox
                    label={`Select all ${visibleKeys.length} drafts`}
                    checked={allChecked}
                    indeterminate={someChecked}
                    disabled={visibleKeys.length === 0 || !canDecide}
                    onChange={(e) => toggle(visibleKeys, e.currentTarget.checked)}
                    data-testid="queue-select-all"
                  />
                  <Button
                    onClick={() => approveKeys(selectedVisible)}
                    disabled={selectedVisible.length === 0 || !canDecide || busy}
                    loading={bulk.isPending}
                    data-testid="queue-approve-selected"
                  >
                    Approve selected ({selectedVisible.length})
                  </Button>
                  {selectedVisible.length > 0 && (
                    <Button variant="subtle" onClick={() => toggle(visibleKeys, false)}>
                      Clear selection
                    </Button>
                  )}
                </Group>
                <Group gap="sm" wrap="wrap">
                  <NativeSelect
                    label="Group by"
                    size="xs"
                    value={groupBy}
                    onChange={(e) => setGroupBy(e.currentTarget.value as GroupBy)}
                    data={[
                      { value: 'readiness', label: 'Readiness' },
                      { value: 'stage', label: 'Stage' },
                      { value: 'property', label: 'Property' },
                    ]}
                    data-testid="queue-group-by"
                  />
                  {properties.length > 1 && (
                    <NativeSelect
                      label="Property"
                      size="xs"
                      value={propertyFilter}
                      onChange={(e) => setPropertyFilter(e.currentTarget.value)}
                      data={[
                        { value: '', label: 'All properties' },
                        ...properties.map(([value, label]) => ({ value, label })),
                      ]}
                    />
                  )}
                </Group>
              </Group>
              {!canDecide && (
                <Text size="sm" mt="xs">
                  Your role ({user?.role}) can read the queue but not decide.
                </Text>
              )}
            </Paper>

            {items.length === 0 && (
              <Paper withBorder p="lg" data-testid="queue-empty">
                <Text fw={600}>No drafts await approval.</Text>
                <Text size="sm">
                  Leases that need a human are on the <Link to="/exceptions">exception list</Link>.
                </Text>
              </Paper>
            )}

            {groups.map((g) => {
              const keys = g.items.map((i) => i.key);
              const sel = keys.filter((k) => selected.has(k)).length;
              const headingId = `queue-group-${g.key.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
              return (
                <section
                  key={g.key}
                  aria-labelledby={headingId}
                  data-testid={`queue-group-${g.key}`}
                >
                  <Group justify="space-between" mb="xs" wrap="wrap">
                    <Group gap="sm">
                      <Title order={2} size="h4" id={headingId}>
                        {g.label}
                      </Title>
                      <Badge color="gray">{g.items.length}</Badge>
                    </Group>
                    <Group gap="sm">
                      <Checkbox
                        label="Select group"
                        aria-label={`Select group: ${g.label} (${g.items.length} drafts)`}
                        checked={sel === keys.length}
                        indeterminate={sel > 0 && sel < keys.length}
                        disabled={!canDecide}
                        onChange={(e) => toggle(keys, e.currentTarget.checked)}
                      />
                      <Button
                        variant="light"
                        size="xs"
                        disabled={!canDecide || busy}
                        onClick={() =>
                          'keys' in g.target ? approveKeys(g.target.keys) : bulk.mutate(g.target)
                        }
                        aria-label={`Approve all ${g.items.length} drafts in ${g.label}`}
                        data-testid={`queue-approve-group-${g.key}`}
                      >
                        Approve all {g.items.length}
                      </Button>
                    </Group>
                  </Group>
                  <ScrollTable label={`Drafts: ${g.label}`} minWidth={900}>
                    <Table
                      striped
                      highlightOnHover
                      withTableBorder
                      aria-labelledby={headingId}
                      verticalSpacing="xs"
                    >
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th scope="col" w={40}>
                            <VisuallyHidden>Select</VisuallyHidden>
                          </Table.Th>
                          <Table.Th scope="col">Tenant</Table.Th>
                          <Table.Th scope="col">Action</Table.Th>
                          <Table.Th scope="col">Draft</Table.Th>
                          <Table.Th scope="col">Past due</Table.Th>
                          <Table.Th scope="col">Due</Table.Th>
                          <Table.Th scope="col">Approvals</Table.Th>
                          <Table.Th scope="col">Decide</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {g.items.map((item) => (
                          <QueueRow
                            key={item.key}
                            item={item}
                            selected={selected.has(item.key)}
                            onSelect={(on) => toggle([item.key], on)}
                            canDecide={canDecide}
                            busy={busy}
                            approvedByMe={
                              !!user && item.approvals.some((a) => a.userId === user.id)
                            }
                            approving={single.isPending && single.variables?.key === item.key}
                            onApprove={() => single.mutate(item)}
                            onEdit={() => setEditing(item)}
                            onReject={() => setRejecting(item)}
                          />
                        ))}
                      </Table.Tbody>
                    </Table>
                  </ScrollTable>
                </section>
              );
            })}
          </Stack>
        )}
      </QueryState>
      <DraftEditor
        item={editing}
        onClose={() => setEditing(null)}
        canDecide={canDecide}
        onSaved={(r) => setOutcome(r)}
      />
      <RejectDialog
        item={rejecting}
        onClose={() => setRejecting(null)}
        onDone={(r) => setOutcome(r)}
      />
    </>
  );
}

function QueueRow({
  item,
  selected,
  onSelect,
  canDecide,
  busy,
  approvedByMe,
  approving,
  onApprove,
  onEdit,
  onReject,
}: {
  item: QueueItem;
  selected: boolean;
  onSelect: (on: boolean) => void;
  canDecide: boolean;
  busy: boolean;
  approvedByMe: boolean;
  approving: boolean;
  onApprove: () => void;
  onEdit: () => void;
  onReject: () => void;
}) {
  const what = describe(item);
  const approvers = item.approvals.map((a) => a.email ?? a.userId).join(', ');
  return (
    <Table.Tr data-testid={`queue-row-${item.key}`}>
      <Table.Td>
        <Checkbox
          aria-label={`Select draft: ${what}`}
          checked={selected}
          disabled={!canDecide}
          onChange={(e) => onSelect(e.currentTarget.checked)}
          data-testid={`queue-select-${item.key}`}
        />
      </Table.Td>
      <Table.Td>
        <Link to={caseHref(item.leaseId)} fw={600}>
          {item.tenant?.name ?? item.leaseId}
        </Link>
        <Text size="sm">
          {item.lease?.unit ? `Unit ${item.lease.unit}` : item.leaseId}
          {item.property ? ` · ${item.property.name}` : ''}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" fw={600}>
          {humanize(item.stage)}
        </Text>
        <Text size="sm">{humanize(item.action)}</Text>
        <Group gap={4} mt={2}>
          <Badge color="blue">{item.channel ?? item.method ?? item.type}</Badge>
          {item.reason && <StatusBadge status="review" label={humanize(item.reason)} />}
        </Group>
      </Table.Td>
      <Table.Td maw={360}>
        {item.subject && (
          <Text size="sm" fw={600} lineClamp={1}>
            {item.subject}
          </Text>
        )}
        <Text size="sm" lineClamp={2}>
          {item.body ?? (item.amountCents !== null ? money(item.amountCents) : '—')}
        </Text>
        <Text size="xs" c="dimmed">
          Version {item.version}
        </Text>
      </Table.Td>
      <Table.Td>{money(item.pastDueCents)}</Table.Td>
      <Table.Td>
        <Text size="sm">{instant(item.dueAt)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" title={approvers || undefined}>
          {item.approvals.length} of {item.required}
        </Text>
        {approvers && (
          <Text size="xs" c="dimmed">
            {approvers}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Button
            size="xs"
            variant="default"
            onClick={onEdit}
            aria-label={`Edit draft: ${what}`}
            data-testid={`queue-edit-${item.key}`}
          >
            Edit
          </Button>
          {approvedByMe && item.needs > 0 ? (
            <Badge color="violet" title="A different person must give the second approval">
              Approved by you
            </Badge>
          ) : (
            <Button
              size="xs"
              onClick={onApprove}
              loading={approving}
              disabled={!canDecide || busy}
              aria-label={`Approve draft: ${what}`}
              data-testid={`queue-approve-${item.key}`}
            >
              Approve
            </Button>
          )}
          <Button
            size="xs"
            variant="light"
            color="red"
            onClick={onReject}
            disabled={!canDecide}
            aria-label={`Reject draft: ${what}`}
            data-testid={`queue-reject-${item.key}`}
          >
            Reject
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function DraftEditor({
  item,
  onClose,
  canDecide,
  onSaved,
}: {
  item: QueueItem | null;
  onClose: () => void;
  canDecide: boolean;
  onSaved: (o: Outcome) => void;
}) {
  const qc = useQueryClient();
  // The modal stays mounted (so it hands focus back on close); `shown` outlives `item`
  // for the closing transition.
  const [shown, setShown] = useState<QueueItem | null>(item);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const save = useMutation({
    mutationFn: (it: QueueItem) => {
      const change: { subject?: string; body?: string; version: number } = { version: it.version };
      if (subject !== (it.subject ?? '')) change.subject = subject;
      if (body !== (it.body ?? '')) change.body = body;
      return api.patch<EditResult>(`/queue/${seg(it.key)}`, change);
    },
    onSuccess: async (r) => {
      onSaved({
        color: 'green',
        title: r.changed ? `Saved as version ${r.version}` : 'No change',
        lines: [
          r.changed
            ? 'The edit is a new version: earlier approvals no longer count and it needs approving again.'
            : 'The text was the same; the draft keeps its version.',
        ],
      });
      onClose();
      await qc.invalidateQueries({ queryKey: ['queue'] });
    },
  });
  const { reset } = save;
  useEffect(() => {
    if (!item) return;
    setShown(item);
    setSubject(item.subject ?? '');
    setBody(item.body ?? '');
    reset();
  }, [item, reset]);
  const unchanged = !!shown && subject === (shown.subject ?? '') && body === (shown.body ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (shown && !unchanged && body.trim() !== '') save.mutate(shown);
  };
  return (
    <Modal
      opened={!!item}
      onClose={onClose}
      title={shown ? `Draft: ${describe(shown)}` : 'Draft'}
      size="lg"
      data-testid="draft-modal"
    >
      {shown && (
        <form onSubmit={submit}>
          <Stack>
            <Text size="sm">
              {humanize(shown.type)} by {shown.channel ?? shown.method ?? '—'} · past due{' '}
              {money(shown.pastDueCents)} · version {shown.version} · {shown.approvals.length} of{' '}
              {shown.required} approvals
            </Text>
            {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
            {(shown.subject !== null || shown.channel === 'email') && (
              <TextInput
                label="Subject"
                value={subject}
                onChange={(e) => setSubject(e.currentTarget.value)}
                readOnly={!canDecide}
                data-testid="draft-subject"
              />
            )}
            <Textarea
              label="Message"
              description="What the tenant will receive. Saving makes a new version that needs approving again."
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              autosize
              minRows={8}
              maxRows={20}
              readOnly={!canDecide}
              error={
                body.trim() === '' && shown.body !== null
                  ? 'The message cannot be empty'
                  : undefined
              }
              data-testid="draft-body"
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Close
              </Button>
              <Button
                type="submit"
                disabled={!canDecide || unchanged || body.trim() === ''}
                loading={save.isPending}
                data-testid="draft-save"
              >
                Save new version
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function RejectDialog({
  item,
  onClose,
  onDone,
}: {
  item: QueueItem | null;
  onClose: () => void;
  onDone: (o: Outcome) => void;
}) {
  const qc = useQueryClient();
  const [shown, setShown] = useState<QueueItem | null>(item);
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const reject = useMutation({
    mutationFn: (it: QueueItem) =>
      api.post<OutboxItem>(`/queue/${seg(it.key)}/reject`, { reason: reason.trim() }),
    onSuccess: async (_r, it) => {
      onDone({
        color: 'green',
        title: 'Draft rejected',
        lines: [`${describe(it)} will not be sent.`],
      });
      onClose();
      await qc.invalidateQueries({ queryKey: ['queue'] });
    },
  });
  const { reset } = reject;
  useEffect(() => {
    if (!item) return;
    setShown(item);
    setReason('');
    setTouched(false);
    reset();
  }, [item, reset]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (shown && reason.trim() !== '') reject.mutate(shown);
  };
  return (
    <Modal
      opened={!!item}
      onClose={onClose}
      title={shown ? `Reject: ${describe(shown)}` : 'Reject draft'}
      data-testid="reject-modal"
    >
      <form onSubmit={submit}>
        <Stack>
          {reject.isError && <ErrorAlert error={reject.error} title="Not rejected" />}
          <Textarea
            label="Reason"
            description="Recorded in the audit log; the draft is never sent."
            required
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={touched && reason.trim() === '' ? 'Say why the draft is rejected' : undefined}
            autosize
            minRows={3}
            data-autofocus
            data-testid="reject-reason"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              color="red"
              loading={reject.isPending}
              data-testid="reject-submit"
            >
              Reject draft
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

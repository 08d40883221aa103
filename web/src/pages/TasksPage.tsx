/**
 * Tasks (follow-up calls, inspections, filings …) the policies queued, with their assignee
 * and due date; today's are highlighted, overdue ones flagged. "Complete" closes one, and
 * "Add photo" keeps pictures with a task (the cut-lock inventory of a storage unit).
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  NativeSelect,
  Paper,
  Table,
  Text,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, errorMessage, getAllPages, seg } from '../api';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { ScrollTable } from '../components/ScrollTable';
import { StatusBadge } from '../components/StatusBadge';
import { TaskPhotos } from '../components/TaskPhotos';
import { humanize } from '../format';
import { caseHref, Link } from '../router';
import { useCanDecide, useToday, useUser } from '../session';
import type { Task } from '../types';

/** `pending`: the task item waits for approval or dispatch (no task yet); `open`: to do. */
const OPEN = new Set(['open', 'pending']);
const isOpen = (t: Task) => OPEN.has(t.status);
const taskKey = (t: Task) => t.key ?? t.id ?? '';

export default function TasksPage() {
  const qc = useQueryClient();
  const today = useToday();
  const user = useUser();
  const canDecide = useCanDecide();
  const [showDone, setShowDone] = useState(false);
  const [assignee, setAssignee] = useState('');
  const [message, setMessage] = useState<{ color: string; text: string } | null>(null);
  const q = useQuery({
    queryKey: ['tasks'],
    queryFn: async () => (await getAllPages<Task>('/tasks', 10)).items,
  });
  const complete = useMutation({
    mutationFn: (t: Task) => api.post(`/tasks/${seg(taskKey(t))}/complete`, {}),
    onSuccess: async (_r, t) => {
      setMessage({ color: 'green', text: `Completed: ${t.title}` });
      await qc.invalidateQueries({ queryKey: ['tasks'] });
    },
    onError: (e, t) =>
      setMessage({ color: 'red', text: `Could not complete “${t.title}”: ${errorMessage(e)}` }),
  });
  const tasks = q.data ?? [];
  const assignees = useMemo(
    () => [...new Set(tasks.map((t) => t.assignee).filter((a): a is string => !!a))].sort(),
    [tasks],
  );
  const shown = tasks
    .filter((t) => showDone || isOpen(t))
    .filter(
      (t) =>
        !assignee ||
        (assignee === '(me)'
          ? t.assignee === user?.email ||
            t.assignee === `role:${user?.role}` ||
            t.assignee === user?.role
          : t.assignee === assignee),
    )
    .sort(
      (a, b) =>
        (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999') || a.title.localeCompare(b.title),
    );
  const dueToday = shown.filter((t) => isOpen(t) && t.dueDate === today).length;
  const overdue = shown.filter((t) => isOpen(t) && t.dueDate !== null && t.dueDate < today).length;
  return (
    <>
      <PageHeader
        title="Tasks"
        description={`What people have to do, by due date. Today is ${today}.`}
      />
      {message && (
        <Alert
          color={message.color}
          mb="md"
          role="status"
          withCloseButton
          closeButtonLabel="Dismiss message"
          onClose={() => setMessage(null)}
        >
          {message.text}
        </Alert>
      )}
      <Paper withBorder p="sm" mb="md">
        <Group justify="space-between" align="flex-end" wrap="wrap">
          <Group gap="xs">
            <Badge color="yellow" size="lg">
              {dueToday} due today
            </Badge>
            <Badge color="red" size="lg">
              {overdue} overdue
            </Badge>
          </Group>
          <Group gap="md" align="flex-end">
            <NativeSelect
              label="Assignee"
              size="xs"
              value={assignee}
              onChange={(e) => setAssignee(e.currentTarget.value)}
              data={[
                { value: '', label: 'Everyone' },
                { value: '(me)', label: 'Assigned to me' },
                ...assignees.map((a) => ({ value: a, label: a })),
              ]}
            />
            <Checkbox
              label="Show completed"
              checked={showDone}
              onChange={(e) => setShowDone(e.currentTarget.checked)}
            />
          </Group>
        </Group>
      </Paper>
      <QueryState query={q} what="tasks">
        {() =>
          shown.length === 0 ? (
            <Text>No tasks{assignee ? ' for this assignee' : ''}.</Text>
          ) : (
            <ScrollTable label="Tasks" minWidth={800}>
              <Table withTableBorder highlightOnHover data-testid="tasks-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Task</Table.Th>
                    <Table.Th scope="col">Lease</Table.Th>
                    <Table.Th scope="col">Assignee</Table.Th>
                    <Table.Th scope="col">Due</Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                    <Table.Th scope="col">Done?</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.map((t) => {
                    const open = isOpen(t);
                    const due = t.dueDate;
                    const isToday = open && due === today;
                    const late = open && due !== null && due < today;
                    return (
                      <Table.Tr
                        key={taskKey(t)}
                        className={isToday ? 'row-due-today' : late ? 'row-overdue' : undefined}
                        data-testid={`task-row-${taskKey(t)}`}
                        data-due={isToday ? 'today' : late ? 'overdue' : undefined}
                      >
                        <Table.Td>
                          <Text size="sm" fw={600}>
                            {t.title}
                          </Text>
                          {t.stage && <Text size="xs">{humanize(t.stage)}</Text>}
                          {t.completedAt && (
                            <Text size="xs">
                              Completed {t.completedAt.slice(0, 10)}
                              {t.completedBy ? ` by ${t.completedBy}` : ''}
                            </Text>
                          )}
                          {t.status !== 'pending' && (
                            <TaskPhotos
                              taskKey={taskKey(t)}
                              title={t.title}
                              canUpload={canDecide}
                            />
                          )}
                        </Table.Td>
                        <Table.Td>
                          {t.leaseId ? <Link to={caseHref(t.leaseId)}>{t.leaseId}</Link> : '—'}
                        </Table.Td>
                        <Table.Td>
                          {t.assignee ? t.assignee.replace(/^role:/, 'role: ') : 'Unassigned'}
                        </Table.Td>
                        <Table.Td>
                          {due ?? '—'}
                          {isToday && (
                            <Badge ml={6} color="yellow">
                              Due today
                            </Badge>
                          )}
                          {late && (
                            <Badge ml={6} color="red">
                              Overdue
                            </Badge>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={t.status} />
                        </Table.Td>
                        <Table.Td>
                          {t.status === 'pending' ? (
                            <Text size="sm">Not created yet</Text>
                          ) : t.status === 'open' ? (
                            <Button
                              size="xs"
                              onClick={() => complete.mutate(t)}
                              loading={complete.isPending && complete.variables === t}
                              disabled={
                                !canDecide || (complete.isPending && complete.variables === t)
                              }
                              aria-label={`Complete task: ${t.title}${t.leaseId ? ` (lease ${t.leaseId})` : ''}`}
                              data-testid={`task-complete-${taskKey(t)}`}
                            >
                              Complete
                            </Button>
                          ) : (
                            <Text size="sm">{t.status === 'done' ? 'Done' : '—'}</Text>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </ScrollTable>
          )
        }
      </QueryState>
    </>
  );
}

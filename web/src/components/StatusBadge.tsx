import { Badge, type BadgeProps } from '@mantine/core';
import { humanize } from '../format';

const COLORS: Record<string, string> = {
  // outbox
  draft: 'gray',
  approved: 'blue',
  dispatching: 'indigo',
  sent: 'cyan',
  delivered: 'green',
  failed: 'red',
  cancelled: 'gray',
  unknown: 'orange',
  rejected: 'red',
  expired: 'gray',
  skipped: 'yellow',
  // readiness (SPEC 5)
  ready: 'green',
  hold: 'yellow',
  review: 'orange',
  disputed: 'red',
  recent_payment: 'teal',
  payment_plan: 'cyan',
  credit_ambiguous: 'grape',
  blocked: 'red',
  current: 'gray',
  second_approval: 'violet',
  // cases, tasks, suggestions, connectors
  open: 'orange',
  closed: 'green',
  done: 'green',
  completed: 'green',
  confirmed: 'green',
  dismissed: 'gray',
  ok: 'green',
  configured: 'green',
  not_configured: 'gray',
  unavailable: 'gray',
  error: 'red',
  // severities
  high: 'red',
  critical: 'red',
  medium: 'orange',
  warning: 'orange',
  low: 'gray',
  info: 'blue',
};

export function statusColor(status: string | null | undefined): string {
  return (status && COLORS[status]) || 'gray';
}

export function StatusBadge({
  status,
  label,
  ...rest
}: { status: string | null | undefined; label?: string } & Omit<BadgeProps, 'children'>) {
  return (
    <Badge color={statusColor(status)} {...rest}>
      {label ?? humanize(status ?? 'none')}
    </Badge>
  );
}

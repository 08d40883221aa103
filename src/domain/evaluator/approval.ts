/** R13: which actions wait for a human, by mode and stage approval. */
import type { ActionType, Policy, Stage } from '../policy/schema.js';

const SUPERVISED: ReadonlySet<ActionType> = new Set<ActionType>([
  'message',
  'document',
  'fee',
  'access',
  'status',
  'insurance',
  'auction',
  'escalate',
  'writeback',
]);

/** Gated by the pre-sale / pre-filing checklists in every mode. */
function isGate(type: ActionType, escalateTo?: string): boolean {
  return type === 'auction' || (type === 'escalate' && escalateTo === 'legal');
}

/** Number of approvals an action needs before dispatch: 0, 1 or 2. */
export function approvalsNeeded(
  policy: Policy,
  stage: Stage | undefined,
  type: ActionType,
  escalateTo?: string,
): number {
  if (type === 'task' || type === 'webhook') return 0;
  const stageApproval = stage?.approval ?? 'auto';
  const twoPerson = stageApproval === 'two_person' ? 2 : 1;
  switch (policy.mode) {
    case 'supervised':
      return SUPERVISED.has(type) ? twoPerson : 0;
    case 'assisted':
      if (stageApproval !== 'auto') return twoPerson;
      return isGate(type, escalateTo) ? 1 : 0;
    case 'autopilot':
      if (stageApproval !== 'auto') return twoPerson;
      return isGate(type, escalateTo) ? 1 : 0;
  }
}

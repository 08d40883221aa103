/** The outbox's pure rules: lifecycle, approval, draft edits, provider outcomes. */
export * from './approval.js';
export * from './draft.js';
export * from './outcomes.js';
export * from './states.js';

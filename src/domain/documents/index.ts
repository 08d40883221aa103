/** Notices, proofs of service and evidence packets: the pure part (no I/O, no layout). */
export * from './balance.js';
export * from './deadline.js';
export * from './labels.js';
export * from './notice.js';
export * from './packet.js';
export * from './proof.js';

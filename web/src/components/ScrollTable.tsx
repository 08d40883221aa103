import { Box } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A horizontally scrollable table wrapper that keyboard users can scroll (focusable
 * region with a name), as axe's `scrollable-region-focusable` asks.
 */
export function ScrollTable({
  label,
  minWidth,
  children,
}: {
  label: string;
  minWidth?: number;
  children: ReactNode;
}) {
  return (
    <Box
      role="region"
      aria-label={label}
      tabIndex={0}
      style={{ overflowX: 'auto', maxWidth: '100%' }}
    >
      <Box miw={minWidth}>{children}</Box>
    </Box>
  );
}

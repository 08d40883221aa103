/**
 * Mantine theme with palettes darkened where text or filled backgrounds use them (shades
 * 6–9 reach at least 5.6:1 against white), so badges, buttons, links and dimmed text pass
 * WCAG AA contrast; the light scheme is forced.
 */
import { createTheme, type MantineColorsTuple } from '@mantine/core';

const t = (...c: string[]) => c as unknown as MantineColorsTuple;

export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 6, dark: 6 },
  defaultRadius: 'sm',
  focusRing: 'auto',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  // prettier-ignore
  colors: {
    gray: t('#f8f9fa', '#f1f3f5', '#e9ecef', '#dee2e6', '#ced4da', '#adb5bd', '#62686d', '#495057', '#343a40', '#212529'),
    red: t('#fff5f5', '#ffe3e3', '#ffc9c9', '#ffa8a8', '#ff8787', '#ff6b6b', '#b63c3c', '#ad2d2d', '#9f2323', '#8d1d1d'),
    pink: t('#fff0f6', '#ffdeeb', '#fcc2d7', '#faa2c1', '#f783ac', '#f06595', '#b33964', '#a92855', '#9d1e4b', '#8b1941'),
    grape: t('#f8f0fc', '#f3d9fa', '#eebefa', '#e599f7', '#da77f2', '#cc5de8', '#9c3db4', '#8f33a5', '#812d96', '#712783'),
    violet: t('#f3f0ff', '#e5dbff', '#d0bfff', '#b197fc', '#9775fa', '#845ef7', '#6f4adf', '#6440ce', '#5a39bd', '#4f33a3'),
    indigo: t('#edf2ff', '#dbe4ff', '#bac8ff', '#91a7ff', '#748ffc', '#5c7cfa', '#415dd0', '#3752c3', '#304ab1', '#2b3f9f'),
    blue: t('#e7f5ff', '#d0ebff', '#a5d8ff', '#74c0fc', '#4dabf7', '#339af0', '#1a6aaf', '#155ea0', '#135591', '#124a7f'),
    cyan: t('#e3fafc', '#c5f6fa', '#99e9f2', '#66d9e8', '#3bc9db', '#22b8cf', '#0e7280', '#0b6674', '#085c6a', '#08505d'),
    teal: t('#e6fcf5', '#c3fae8', '#96f2d7', '#63e6be', '#38d9a9', '#20c997', '#0c7656', '#08694c', '#065f44', '#05533b'),
    green: t('#ebfbee', '#d3f9d8', '#b2f2bb', '#8ce99a', '#69db7c', '#51cf66', '#277535', '#20692d', '#1c5f29', '#1a5325'),
    lime: t('#f4fce3', '#e9fac8', '#d8f5a2', '#c0eb75', '#a9e34b', '#94d82d', '#4a7311', '#41670c', '#385c08', '#335107'),
    yellow: t('#fff9db', '#fff3bf', '#ffec99', '#ffe066', '#ffd43b', '#fcc419', '#875f03', '#7f5300', '#7a4700', '#713a00'),
    orange: t('#fff4e6', '#ffe8cc', '#ffd8a8', '#ffc078', '#ffa94d', '#ff922b', '#a2510d', '#9c4104', '#903707', '#822b09'),
  },
  components: {
    Badge: { defaultProps: { variant: 'light', radius: 'sm' } },
    // No open/close animation: content is at full contrast the moment a dialog opens, and
    // the close button has a name.
    Modal: {
      defaultProps: {
        transitionProps: { duration: 0 },
        closeButtonProps: { 'aria-label': 'Close dialog' },
      },
    },
  },
});

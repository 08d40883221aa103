/**
 * A plain SVG bar chart (no chart library): one or more series per category, value labels
 * on the bars, and the same figures as a table for screen readers (or shown, `showTable`).
 */
import { Box, Group, Table, Text, VisuallyHidden } from '@mantine/core';
import { useId } from 'react';

export interface BarSeries {
  name: string;
  /** A CSS colour; keep at least 3:1 against white. */
  color: string;
}

export interface BarDatum {
  label: string;
  values: number[];
}

export function BarChart({
  title,
  series,
  data,
  format = (n) => String(n),
  height = 240,
  showTable = false,
}: {
  title: string;
  series: BarSeries[];
  data: BarDatum[];
  format?: (n: number) => string;
  height?: number;
  showTable?: boolean;
}) {
  const id = useId();
  const width = Math.max(320, data.length * Math.max(80, series.length * 44));
  const pad = { top: 24, right: 12, bottom: 44, left: 12 };
  const plotH = height - pad.top - pad.bottom;
  const plotW = width - pad.left - pad.right;
  const max = Math.max(1, ...data.flatMap((d) => d.values));
  const groupW = data.length > 0 ? plotW / data.length : plotW;
  const barW = Math.min(48, (groupW * 0.8) / Math.max(1, series.length));
  const table = (
    <Table withTableBorder striped fz="sm" mt="sm">
      <Table.Caption>{title}</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Category</Table.Th>
          {series.map((s) => (
            <Table.Th scope="col" key={s.name}>
              {s.name}
            </Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {data.map((d) => (
          <Table.Tr key={d.label}>
            <Table.Th scope="row">{d.label}</Table.Th>
            {d.values.map((v, i) => (
              <Table.Td key={i}>{format(v)}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
  return (
    <Box component="figure" m={0} aria-labelledby={`${id}-caption`}>
      <Text component="figcaption" id={`${id}-caption`} fw={600} mb="xs">
        {title}
      </Text>
      {series.length > 1 && (
        <Group gap="md" mb="xs" aria-hidden="true">
          {series.map((s) => (
            <Group gap={6} key={s.name}>
              <Box w={12} h={12} style={{ background: s.color, borderRadius: 2 }} />
              <Text size="sm">{s.name}</Text>
            </Group>
          ))}
        </Group>
      )}
      <Box style={{ overflowX: 'auto' }}>
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          aria-hidden="true"
          focusable="false"
          style={{ maxWidth: '100%', height: 'auto', display: 'block' }}
        >
          <line
            x1={pad.left}
            x2={width - pad.right}
            y1={pad.top + plotH}
            y2={pad.top + plotH}
            stroke="#495057"
            strokeWidth={1}
          />
          {data.map((d, gi) => {
            const gx = pad.left + gi * groupW + (groupW - barW * series.length) / 2;
            return (
              <g key={d.label}>
                {d.values.map((v, si) => {
                  const h = Math.round((v / max) * plotH);
                  const x = gx + si * barW;
                  const y = pad.top + plotH - h;
                  return (
                    <g key={si}>
                      <rect
                        x={x + 2}
                        y={y}
                        width={Math.max(1, barW - 4)}
                        height={h}
                        fill={series[si]?.color ?? '#1a6aaf'}
                        rx={2}
                      />
                      <text
                        x={x + barW / 2}
                        y={y - 6}
                        textAnchor="middle"
                        fontSize={11}
                        fill="#212529"
                      >
                        {format(v)}
                      </text>
                    </g>
                  );
                })}
                <text
                  x={pad.left + gi * groupW + groupW / 2}
                  y={pad.top + plotH + 18}
                  textAnchor="middle"
                  fontSize={12}
                  fill="#212529"
                >
                  {d.label}
                </text>
              </g>
            );
          })}
        </svg>
      </Box>
      {showTable ? table : <VisuallyHidden>{table}</VisuallyHidden>}
    </Box>
  );
}

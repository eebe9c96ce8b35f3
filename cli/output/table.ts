// kubectl's table layout (a tabwriter with padding 3): upper-case headers,
// left-aligned columns, no borders, no trailing spaces. A dozen lines read
// better than bending cli-table3's bordered boxes into this shape.

export function formatTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd();
  return all.map(line).join('\n') + '\n';
}

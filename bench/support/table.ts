// Benchmarks print their results as an aligned text table (cli-table3 with
// borders off, so it also pastes cleanly into Markdown-less notes).
import Table from 'cli-table3';

export function printTable(head: string[], rows: (string | number)[][]): void {
  const table = new Table({
    head,
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push(row.map(String));
  console.log(table.toString());
}

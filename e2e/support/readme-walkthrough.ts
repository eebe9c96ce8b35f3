// The README's walkthrough as data, and how its pasted outputs are compared
// with a real run. Pure: e2e/walkthrough.test.ts does the typing.
//
// Between `<!-- walkthrough:begin -->` and `<!-- walkthrough:end -->`, every
// ```console block holds `$ command` lines, each followed by its expected
// output. Outputs differ between runs in their numbers (addresses, ports,
// ages, pids, which pod answered) and column widths, so both sides are
// normalised: paths, IPv4 addresses, ages and numbers become placeholders and
// runs of spaces one space. Everything else — words, names, the shape of
// tables and JSON, the number of lines — must be equal. A line `...` in the
// README stands for any number of lines.

export interface WalkthroughStep {
  command: string;
  expected: string[];
}

const BEGIN = '<!-- walkthrough:begin -->';
const END = '<!-- walkthrough:end -->';

export function parseWalkthrough(readme: string): WalkthroughStep[] {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README has no walkthrough markers');
  const steps: WalkthroughStep[] = [];
  let inBlock = false;
  for (const line of readme.slice(start + BEGIN.length, end).split('\n')) {
    if (line.startsWith('```')) {
      inBlock = !inBlock && line.startsWith('```console');
      continue;
    }
    if (!inBlock) continue;
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
    else if (steps.length) steps[steps.length - 1].expected.push(line);
  }
  return steps;
}

export function normalizeLine(line: string): string {
  return line
    .replace(/(^|\s)\/[^\s/]+\/\S*/g, '$1<path>')
    .replace(/\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?/g, '<ip>')
    .replace(/\b\d+[smhd](\d+[smhd])?\b/g, '<age>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Does `actual` (the command's stdout+stderr) match the README's `expected` lines? */
export function matchesExpected(expected: string[], actual: string): boolean {
  const want = expected.map((l) => (l.trim() === '...' ? '...' : normalizeLine(l)));
  const got = actual.replace(/\n$/, '').split('\n').map(normalizeLine);
  if (actual === '' ) got.length = 0;
  const match = (i: number, j: number): boolean => {
    if (i === want.length) return j === got.length;
    if (want[i] === '...') {
      for (let k = j; k <= got.length; k++) if (match(i + 1, k)) return true;
      return false;
    }
    return j < got.length && want[i] === got[j] && match(i + 1, j + 1);
  };
  // Blank lines at the end of a pasted block are layout, not output.
  while (want.length && want[want.length - 1] === '') want.pop();
  return match(0, 0);
}

/** The README speaks of lab `minik` on 192.168.77.0/24; a test lab has its own name and LAN. */
export function forLab(text: string, lab: { name: string; lanPrefix: string }): string {
  return text
    .replaceAll('192.168.77.', lab.lanPrefix)
    .replaceAll('Lab network minik', `Lab network ${lab.name}`)
    .replaceAll('Lab minik is up', `Lab ${lab.name} is up`)
    .replaceAll('minik-host', `${lab.name}-host`)
    .replace(/^ {2}minik down$/m, `  minik down --name ${lab.name}`)
    .replace(/lab network minik\b/g, `lab network ${lab.name}`)
    .replaceAll("lab minik's", `lab ${lab.name}'s`)
    .replaceAll('"minik-minik"', `"minik-${lab.name}"`);
}

/** Commands that only look: the test retries them while the lab converges, as a person would. */
export function isReadOnly(command: string): boolean {
  return /^(minik (get|describe|status|exec|ssh|logs|svc url)\b|curl )/.test(command);
}

// The one table: printed by run.mjs, and written into bench/README.md between the markers.

export const TABLE_START = '<!-- bench:table:start -->';
export const TABLE_END = '<!-- bench:table:end -->';

/** A number at a precision that suits its size (3 significant figures or so). */
export function num(value, unit) {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  if (unit === 'packages') return String(Math.round(value));
  const abs = Math.abs(value);
  return value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}

export const HEADER = ['figure', 'median', 'p90', 'p99', 'baseline', 'ratio', 'target', 'met'];

function target(f) {
  if (!f.target) return '–';
  const [op, bound] = 'max' in f.target ? ['≤', f.target.max] : ['≥', f.target.min];
  return f.target.of === 'ratio' ? `${op} ×${bound}` : `${op} ${bound} ${f.unit}`;
}

/** One row of cells for a figure. */
export function cells(f) {
  const withUnit = (v) => (v === undefined || !Number.isFinite(v) ? '–' : `${num(v, f.unit)} ${f.unit}`);
  return [
    f.label,
    withUnit(f.median),
    withUnit(f.p90),
    withUnit(f.p99),
    f.baseline ? `${withUnit(f.baseline.median)} (${f.baseline.label})` : '–',
    f.ratio === undefined ? '–' : `×${num(f.ratio)}`,
    target(f),
    f.met === undefined ? '–' : f.met ? 'yes' : 'NO',
  ];
}

/** Rows per bench: a heading row (its title), its figures, or its error. */
function sections(benches) {
  return benches.map((b) => ({
    title: b.title,
    rows: b.error
      ? [[`failed: ${b.error.split('\n')[0]}`, ...HEADER.slice(1).map(() => '')]]
      : b.figures.map(cells),
  }));
}

/** Plain text for the terminal: aligned columns, a title line per bench. */
export function textTable(benches) {
  const all = sections(benches);
  const widths = HEADER.map((h, i) =>
    Math.max(h.length, ...all.flatMap((s) => s.rows.map((r) => r[i].length))),
  );
  const line = (r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const s of all) out.push(s.title, ...s.rows.map((r) => line([`  ${r[0]}`, ...r.slice(1)])));
  return out.join('\n');
}

// A pipe would end the cell; `<tarball>` would be read as an HTML tag and vanish.
const cell = (c) => c.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The Markdown table, with the run's machine and date above it. */
export function markdownTable(results) {
  const out = [
    `Node ${results.node}, ${results.cpus} × ${results.cpuModel}, ${results.platform}; ${results.date}.`,
    '',
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`,
  ];
  for (const s of sections(results.benches)) {
    out.push(`| **${cell(s.title)}** |${' |'.repeat(HEADER.length - 1)}`);
    for (const r of s.rows) out.push(`| ${r.map(cell).join(' | ')} |`);
  }
  return out.join('\n');
}

/** `readme` with the text between the markers replaced (markers appended when missing). */
export function withTable(readme, table) {
  const block = `${TABLE_START}\n${table}\n${TABLE_END}`;
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) return `${readme.trimEnd()}\n\n${block}\n`;
  return readme.slice(0, start) + block + readme.slice(end + TABLE_END.length);
}

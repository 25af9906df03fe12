// Summaries and figures for bench modules (the contract is in bench/README.md): percentiles by
// nearest rank, and one way to build a Figure so that ratio and met are computed alike everywhere.

/** The q-quantile (0..1) of numbers by nearest rank: an observed value, never an interpolation. */
export function percentile(values, q) {
  if (values.length === 0) throw new Error('percentile of no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * The median: the middle value, or the mean of the two middle ones. With one sample, p90 and
 * p99 are that sample too (the contract's rule for samples == 1).
 */
export function median(values) {
  if (values.length === 0) throw new Error('median of no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** { median, p90, p99, samples } of numbers. */
export function summarize(values) {
  return {
    median: median(values),
    p90: percentile(values, 0.9),
    p99: percentile(values, 0.99),
    samples: values.length,
  };
}

/** Whether `value` meets `target` ({max} or {min}); undefined without a target or a value. */
export function meets(target, value) {
  if (!target || value === undefined || !Number.isFinite(value)) return undefined;
  if ('max' in target) return value <= target.max;
  return value >= target.min;
}

/**
 * A Figure from samples (or a ready summary): ratio = median / baseline.median when there is a
 * baseline (or the `ratio` given, for a derived figure whose own ratio would mean nothing), and
 * met from the target applied to the ratio or to the value, as the target says.
 *
 *   figure({ id: 'install.packages', label: 'installed packages', unit: 'packages', values: [3],
 *            baseline: { label: 'mcp-remote@0.15.1', median: 88 }, target: { max: 3, of: 'value' } })
 */
export function figure({ id, label, unit, values, summary, baseline, target, ratio: given }) {
  const s = summary ?? summarize(values);
  const ratio = given ?? (baseline && baseline.median > 0 ? s.median / baseline.median : undefined);
  const judged = target ? (target.of === 'ratio' ? ratio : s.median) : undefined;
  return {
    id,
    label,
    unit,
    median: s.median,
    p90: s.p90,
    p99: s.p99,
    samples: s.samples,
    baseline,
    ratio,
    target,
    met: meets(target, judged),
  };
}

const UNITS = ['ms', 'MiB', 'MB', 'packages', 'ops/s'];

/** What is wrong with a Figure under the contract, or undefined when it is well formed. */
export function figureProblem(f) {
  if (!f || typeof f !== 'object') return 'is not an object';
  if (typeof f.id !== 'string' || !/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(f.id))
    return `has a bad id ${JSON.stringify(f.id)}`;
  if (typeof f.label !== 'string' || !f.label) return `${f.id}: has no label`;
  if (!UNITS.includes(f.unit))
    return `${f.id}: unit ${JSON.stringify(f.unit)} is not one of ${UNITS.join(', ')}`;
  for (const key of ['median', 'p90', 'p99']) {
    if (!Number.isFinite(f[key])) return `${f.id}: ${key} is not a number`;
  }
  if (!Number.isInteger(f.samples) || f.samples < 1) return `${f.id}: samples must be a whole number >= 1`;
  if (f.baseline !== undefined) {
    if (typeof f.baseline.label !== 'string' || !Number.isFinite(f.baseline.median)) {
      return `${f.id}: a baseline needs a label and a numeric median`;
    }
    if (!Number.isFinite(f.ratio)) return `${f.id}: a figure with a baseline needs its ratio`;
  }
  if (f.target !== undefined) {
    const bound = f.target.max ?? f.target.min;
    if (!Number.isFinite(bound) || !['ratio', 'value'].includes(f.target.of)) return `${f.id}: a bad target`;
    if (typeof f.met !== 'boolean') return `${f.id}: a figure with a target needs met`;
  }
  return undefined;
}

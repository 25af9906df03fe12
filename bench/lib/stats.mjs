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
  return { median: median(values), p90: percentile(values, 0.9), p99: percentile(values, 0.99), samples: values.length };
}

/** Whether `value` meets `target` ({max} or {min}); undefined without a target or a value. */
export function meets(target, value) {
  if (!target || value === undefined || !Number.isFinite(value)) return undefined;
  if ('max' in target) return value <= target.max;
  return value >= target.min;
}

/**
 * A Figure from samples (or a ready summary): ratio = median / baseline.median when there is a
 * baseline, and met from the target applied to the ratio or to the value, as the target says.
 *
 *   figure({ id: 'install.packages', label: 'installed packages', unit: 'packages', values: [3],
 *            baseline: { label: 'mcp-remote@0.15.1', median: 88 }, target: { max: 3, of: 'value' } })
 */
export function figure({ id, label, unit, values, summary, baseline, target }) {
  const s = summary ?? summarize(values);
  const ratio = baseline && baseline.median > 0 ? s.median / baseline.median : undefined;
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

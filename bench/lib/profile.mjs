// Where a server's CPU went, from a V8 .cpuprofile (`node --cpu-prof`): self time grouped by
// who spends it, so that a closing note can say what bounds a figure. Module loading at start is
// set apart; "write syscalls" is time inside the native write of a stream (stdout, sockets),
// which includes the wake-up of the reader on a busy machine.

/** The category of one sample's leaf frame, given whether any caller is module loading. */
export function categoryOf({ functionName, url }, loading) {
  if (functionName === '(idle)') return 'idle';
  if (loading) return 'startup (module loading)';
  if (functionName === '(garbage collector)') return 'GC';
  if (!url && /^write(Utf8String|Latin1String|Buffer|v)$/.test(functionName)) return 'write syscalls';
  // zod v4 compiles object parsers with new Function: anonymous frames with no url.
  if (/\/zod\//.test(url) || (!url && functionName === '')) return 'zod (SDK and ours)';
  if (/@modelcontextprotocol\//.test(url)) return 'MCP SDK (not zod)';
  if (/\/undici\//.test(url) || url.startsWith('wasm://')) return 'undici (HTTP client)';
  if (/\/dist\//.test(url) && !/node_modules/.test(url)) return 'hostsmith-mcp';
  if (url.startsWith('node:')) return 'Node (streams, net, timers, events)';
  return 'other';
}

const LOADING = /node:internal\/modules\/(esm|cjs)\//;

/** Self time per category, in microseconds: { total, categories: [[name, us]] } largest first. */
export function summarizeProfile(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const loadingMemo = new Map();
  const loading = (id) => {
    if (id === undefined) return false;
    if (!loadingMemo.has(id)) {
      loadingMemo.set(id, LOADING.test(nodes.get(id).callFrame.url) || loading(parent.get(id)));
    }
    return loadingMemo.get(id);
  };
  const sums = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const key = categoryOf(nodes.get(id).callFrame, loading(id));
    sums.set(key, (sums.get(key) ?? 0) + us);
  });
  return { total, categories: [...sums].sort((a, b) => b[1] - a[1]) };
}

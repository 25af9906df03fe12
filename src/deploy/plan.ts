// What a deploy changes on the live site: the folder's files against the site's own listing.
// A deploy replaces the whole file set, so a live path the folder lacks is removed.

export interface PlannedFile {
  path: string;
  sha256: string;
  size: number;
}

export interface DeployPlan {
  /** Paths the site does not serve yet, sorted. */
  added: string[];
  /** Paths the site serves with other content, sorted. */
  changed: string[];
  /** Paths the site serves that the folder lacks: the deploy removes them. Sorted. */
  removed: string[];
  unchanged: number;
  /** Files whose content the site does not already hold (identical contents counted once). */
  filesToUpload: number;
  /**
   * Their bytes: what is sent at most (Hostsmith may already hold some of them from other
   * sites of the partition, and skips those).
   */
  bytesToUpload: number;
}

export function planDeploy(local: readonly PlannedFile[], live: readonly PlannedFile[]): DeployPlan {
  const liveByPath = new Map(live.map((f) => [f.path, f.sha256]));
  const liveDigests = new Set(live.map((f) => f.sha256));
  const localPaths = new Set(local.map((f) => f.path));
  const added: string[] = [];
  const changed: string[] = [];
  let unchanged = 0;
  const toUpload = new Map<string, number>();
  for (const file of local) {
    const was = liveByPath.get(file.path);
    if (was === undefined) added.push(file.path);
    else if (was !== file.sha256) changed.push(file.path);
    else unchanged += 1;
    if (!liveDigests.has(file.sha256)) toUpload.set(file.sha256, file.size);
  }
  const removed = live.map((f) => f.path).filter((path) => !localPaths.has(path));
  const sort = (paths: string[]) => paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    added: sort(added),
    changed: sort(changed),
    removed: sort(removed),
    unchanged,
    filesToUpload: toUpload.size,
    bytesToUpload: [...toUpload.values()].reduce((sum, n) => sum + n, 0),
  };
}

/** "a, b, c, and 4 more" — the first `shown` of a list, for a sentence. */
export function firstFew(paths: readonly string[], shown: number): string {
  const more = paths.length - shown;
  return `${paths.slice(0, shown).join(', ')}${more > 0 ? `, and ${more} more` : ''}`;
}

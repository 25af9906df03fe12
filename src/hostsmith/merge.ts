// Both partitions at once: when the caller named none, list_sites, list_domains and get_account
// ask us and eu in parallel. One failing still yields the other, and says which failed and why.

import type { Partition } from '../auth/types.js';
import { SignInRequired } from '../auth/types.js';

export const PARTITIONS: readonly Partition[] = ['us', 'eu'];

export interface FailedPartition {
  partition: Partition;
  error: string;
}

export interface Merged<T> {
  results: Array<{ partition: Partition; value: T }>;
  failedPartitions: FailedPartition[];
}

export async function inBothPartitions<T>(call: (partition: Partition) => Promise<T>): Promise<Merged<T>> {
  const settled = await Promise.allSettled(PARTITIONS.map((p) => call(p)));
  const results: Merged<T>['results'] = [];
  const failedPartitions: FailedPartition[] = [];
  const errors: unknown[] = [];
  settled.forEach((outcome, i) => {
    const partition = PARTITIONS[i]!;
    if (outcome.status === 'fulfilled') results.push({ partition, value: outcome.value });
    else {
      errors.push(outcome.reason);
      failedPartitions.push({
        partition,
        error: (outcome.reason as Error)?.message ?? String(outcome.reason),
      });
    }
  });
  // Only a person can fix a sign-in: that must reach the sign-in experience, not be merged away.
  const signIn = errors.find((e) => e instanceof SignInRequired);
  if (signIn) throw signIn;
  if (results.length === 0) throw errors[0];
  return { results, failedPartitions };
}

/** The partition asked for, or both when none was. */
export async function inPartitions<T>(
  partition: Partition | undefined,
  call: (partition: Partition) => Promise<T>,
): Promise<Merged<T>> {
  if (!partition) return inBothPartitions(call);
  return { results: [{ partition, value: await call(partition) }], failedPartitions: [] };
}

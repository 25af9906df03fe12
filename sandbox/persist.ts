// The --data file: one JSON document with a slot per half of the sandbox ("api", "auth"),
// written atomically (temp file, fsync, rename), debounced, and flushed on close.
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import type { PersistSlot } from './types.js';

const DEBOUNCE_MS = 100;

export interface DataFile {
  slot(name: string): PersistSlot;
  /** Writes now if anything changed since the last write. */
  flush(): Promise<void>;
  /** Flushes and stops scheduling writes. */
  close(): Promise<void>;
}

interface Document {
  version: 1;
  slots: Record<string, unknown>;
}

function readDocument(path: string): Document {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, slots: {} };
    throw error;
  }
  const doc = JSON.parse(text) as Partial<Document> | null;
  if (doc?.version !== 1 || typeof doc.slots !== 'object' || doc.slots === null) {
    throw new Error(`${path} is not a sandbox data file (version 1)`);
  }
  return { version: 1, slots: doc.slots };
}

export function openDataFile(path: string): DataFile {
  const loaded = readDocument(path);
  // Values as the halves handed them over; serialized (toJSON included) only when written.
  const current: Record<string, unknown> = { ...loaded.slots };
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  const write = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    // Writes run one after another, so an older snapshot never lands after a newer one.
    writing = writing.then(async () => {
      if (!dirty) return;
      dirty = false;
      const doc: Document = { version: 1, slots: current };
      await writeFileAtomic(path, `${JSON.stringify(doc)}\n`, { mode: 0o600 });
    });
    return writing;
  };

  const schedule = () => {
    dirty = true;
    if (closed || timer) return;
    timer = setTimeout(() => {
      write().catch((error: unknown) =>
        process.stderr.write(`sandbox: could not write ${path}: ${String(error)}\n`),
      );
    }, DEBOUNCE_MS);
  };

  return {
    slot(name) {
      return {
        load: () => loaded.slots[name],
        save(state) {
          current[name] = state;
          schedule();
        },
      };
    },
    flush: write,
    async close() {
      closed = true;
      await write();
    },
  };
}

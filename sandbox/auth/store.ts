// oidc-provider's storage: every model (Session, Interaction, Grant, AuthorizationCode,
// AccessToken, RefreshToken, Client, …) in one in-memory map that can be snapshotted to JSON
// and loaded back, so a --data file carries the whole authorization server across restarts.
import type { Adapter, AdapterPayload } from 'oidc-provider';

/** Models whose records belong to a grant: revoking the grant removes them all. */
const GRANT_MEMBERS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

interface StoredRecord {
  payload: AdapterPayload;
  /** Unix milliseconds; null never expires. */
  expiresAt: number | null;
}

export interface StoreSnapshot {
  /** `${model}:${id}` → record */
  records: Record<string, StoredRecord>;
}

export class Store {
  readonly #records = new Map<string, StoredRecord>();
  readonly #onChange: () => void;
  readonly #now: () => number;

  constructor(opts: { onChange?: () => void; now?: () => number } = {}) {
    this.#onChange = opts.onChange ?? (() => {});
    this.#now = opts.now ?? Date.now;
  }

  load(snapshot: StoreSnapshot): void {
    this.#records.clear();
    for (const [key, record] of Object.entries(snapshot.records)) this.#records.set(key, record);
  }

  /** Live records only: expired ones are dropped, here and from the file. */
  snapshot(): StoreSnapshot {
    const records: Record<string, StoredRecord> = {};
    for (const [key, record] of this.#records) {
      if (this.#alive(record)) records[key] = record;
      else this.#records.delete(key);
    }
    return { records };
  }

  /** The factory oidc-provider calls once per model name. */
  adapterFor = (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        const expiresAt = typeof expiresIn === 'number' ? this.#now() + expiresIn * 1000 : null;
        this.#records.set(key(id), { payload: structuredClone(payload), expiresAt });
        this.#onChange();
      },
      find: async (id) => this.#get(key(id)),
      findByUid: async (uid) => this.#findWhere(model, (p) => p.uid === uid),
      findByUserCode: async (userCode) => this.#findWhere(model, (p) => p.userCode === userCode),
      consume: async (id) => {
        const record = this.#records.get(key(id));
        if (!record) return;
        record.payload.consumed = Math.floor(this.#now() / 1000);
        this.#onChange();
      },
      destroy: async (id) => {
        if (this.#records.delete(key(id))) this.#onChange();
      },
      revokeByGrantId: async (grantId) => {
        if (this.#deleteWhere((m, p) => m === model && p.grantId === grantId) > 0) this.#onChange();
      },
    };
  };

  /** Every record of a grant, and the grant itself. Answers whether anything was there. */
  revokeGrant(grantId: string): boolean {
    const removed =
      this.#deleteWhere((m, p) => GRANT_MEMBERS.has(m) && p.grantId === grantId) +
      (this.#records.delete(`Grant:${grantId}`) ? 1 : 0);
    if (removed > 0) this.#onChange();
    return removed > 0;
  }

  /** Live payloads of one model, with their ids. */
  list(model: string): Array<{ id: string; payload: AdapterPayload }> {
    const prefix = `${model}:`;
    const out: Array<{ id: string; payload: AdapterPayload }> = [];
    for (const [key, record] of this.#records) {
      if (key.startsWith(prefix) && this.#alive(record)) {
        out.push({ id: key.slice(prefix.length), payload: structuredClone(record.payload) });
      }
    }
    return out;
  }

  #alive(record: StoredRecord): boolean {
    return record.expiresAt === null || record.expiresAt > this.#now();
  }

  #get(key: string): AdapterPayload | undefined {
    const record = this.#records.get(key);
    if (!record) return undefined;
    if (!this.#alive(record)) {
      this.#records.delete(key);
      return undefined;
    }
    // A copy: the provider must change stored state only through the adapter.
    return structuredClone(record.payload);
  }

  #findWhere(model: string, match: (p: AdapterPayload) => boolean): AdapterPayload | undefined {
    const prefix = `${model}:`;
    for (const [key, record] of this.#records) {
      if (key.startsWith(prefix) && this.#alive(record) && match(record.payload)) return this.#get(key);
    }
    return undefined;
  }

  #deleteWhere(match: (model: string, p: AdapterPayload) => boolean): number {
    let removed = 0;
    for (const [key, record] of this.#records) {
      const model = key.slice(0, key.indexOf(':'));
      if (match(model, record.payload)) {
        this.#records.delete(key);
        removed++;
      }
    }
    return removed;
  }
}

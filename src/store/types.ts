// The credential store's contract. Implementations: the file store (oauth.json) and, for the
// token pair only, the OS keychain. The auth layer is the only caller.
import * as z from 'zod/v4';

export const PartitionSchema = z.enum(['us', 'eu']);
export type Partition = z.infer<typeof PartitionSchema>;

export const StorageKindSchema = z.enum(['file', 'keychain']);
export type StorageKind = z.infer<typeof StorageKindSchema>;

/** One credential set, keyed in the file by the API's resource URL. OAuth's own field names. */
export const CredentialSchema = z.object({
  issuer: z.string().url(),
  client_id: z.string().min(1),
  /** true when client_id came from RFC 7591 dynamic registration (and may be re-registered). */
  client_registered_dynamically: z.boolean(),
  account: z.object({ email: z.string(), homePartition: PartitionSchema }).optional(),
  scope: z.string(),
  expires_at: z.number().int(), // access token, Unix seconds
  /** When the access token was issued (Unix seconds): expires_at − issued_at is its lifetime. */
  issued_at: z.number().int().optional(),
  authorized_at: z.number().int(), // when the grant began: the 90-day refresh window starts here
  storage: StorageKindSchema,
  /**
   * Under `auto`: the keychain refused this pair for its size (Windows Credential Manager holds
   * 2,560 bytes), so its tokens stay in the file rather than being offered to the keychain again.
   */
  too_large_for_keychain: z.boolean().optional(),
  /** With storage "file" only; with "keychain" the keychain holds them and these are absent. */
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
});
export type Credential = z.infer<typeof CredentialSchema>;

/** A credential with its tokens resolved, wherever they live. */
export type LoadedCredential = Credential & { access_token: string; refresh_token: string };

export const RegistrationSchema = z.object({
  client_id: z.string().min(1),
  registered_at: z.number().int(),
  redirect_uris: z.array(z.string()).optional(),
});
export type Registration = z.infer<typeof RegistrationSchema>;

/**
 * How another process tells that a sign-in's owner is still alive: GET `url` (on the owner's
 * loopback server) must answer `digest`, which only the owner can compute (auth/owner-liveness.ts).
 */
export const OwnerProbeSchema = z.object({
  url: z.string().url(),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});
export type OwnerProbe = z.infer<typeof OwnerProbeSchema>;

/** A sign-in under way in some process, so that others join it instead of opening a second tab. */
export const PendingSignInSchema = z.object({
  url: z.string().url(), // the link people are shown
  pid: z.number().int(), // a cheap first test only: PIDs are reused
  started_at: z.number().int(),
  expires_at: z.number().int(),
  /** Absent in a marker nobody can check: such an owner counts as gone. */
  owner: OwnerProbeSchema.optional(),
});
export type PendingSignIn = z.infer<typeof PendingSignInSchema>;

export const StoreFileSchema = z.object({
  version: z.literal(1),
  credentials: z.record(z.string(), CredentialSchema).default({}),
  /** Dynamic client registrations, cached per issuer. */
  registrations: z.record(z.string(), RegistrationSchema).default({}),
  pending_sign_ins: z.record(z.string(), PendingSignInSchema).default({}),
});
export type StoreFile = z.infer<typeof StoreFileSchema>;

export interface CredentialStore {
  /** The folder `<config home>/<client>/hostsmith`. */
  readonly dir: string;
  /** `<dir>/oauth.json`. */
  readonly file: string;
  /** Where tokens go on the next write. */
  readonly storage: StorageKind;
  /** The credential for one API resource, tokens included; undefined when signed out. */
  read(resource: string): Promise<LoadedCredential | undefined>;
  /** Atomic write (tokens to the keychain first when that is the storage). */
  write(resource: string, credential: LoadedCredential): Promise<void>;
  /** Forget the tokens (and the credential) of one resource; keeps the registration. */
  remove(resource: string): Promise<void>;
  readRegistration(issuer: string): Promise<Registration | undefined>;
  writeRegistration(issuer: string, registration: Registration): Promise<void>;
  removeRegistration(issuer: string): Promise<void>;
  readPendingSignIn(resource: string): Promise<PendingSignIn | undefined>;
  writePendingSignIn(resource: string, pending: PendingSignIn): Promise<void>;
  clearPendingSignIn(resource: string, pid?: number): Promise<void>;
  /** Run fn holding the cross-process lock (`<dir>/oauth.json.lock`), stale locks broken. */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Every resource with a credential. */
  resources(): Promise<string[]>;
}

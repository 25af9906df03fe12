import type { SandboxUser } from './types.js';

/** The one password every seeded user signs in with; the sign-in page shows it. */
export const SANDBOX_PASSWORD = 'hostsmith';

export const USERS: readonly SandboxUser[] = [
  { id: 'usr_ada', email: 'ada@example.com', name: 'Ada Lovelace', homePartition: 'us' },
  { id: 'usr_lin', email: 'lin@example.com', name: 'Lin Chen', homePartition: 'eu' },
  { id: 'usr_sam', email: 'sam@example.com', name: 'Sam Reyes', homePartition: 'us' },
];

export const DEFAULT_USER = 'ada@example.com';

export function userByEmail(email: string): SandboxUser | undefined {
  return USERS.find((u) => u.email === email.toLowerCase());
}

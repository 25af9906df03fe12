// The keychain account name alone, apart from keychain.ts: profile.ts needs it at start (the
// server's login hints name credential folders), the keychain helper and its code only on first use.

/** The default profile's full account; profile.ts composes the others' (credentialAccount). */
export function keychainAccount(client: string, resource: string): string {
  return `${client}|${resource}`;
}

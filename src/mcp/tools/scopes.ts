// Least privilege, in one table: which tool set each tool belongs to and which OAuth scopes it
// needs. Sign-in asks for the scopes of the tools listed, and no more; the read-only server
// lists only the read tools (the tools marked readOnlyHint, which the guard test checks).
import type { AnyToolDef } from '../tool.js';

export const TOOLSETS = ['account', 'sites', 'files', 'deploy', 'domains'] as const;
export type Toolset = (typeof TOOLSETS)[number];

export interface ToolScopes {
  toolset: Toolset;
  /** Scopes the tool's requests need; [] = any valid token. */
  scopes: readonly string[];
}

/** Each tool's tool set and scopes (the README's table says the same). */
export const TOOL_SCOPES: Readonly<Record<string, ToolScopes>> = {
  get_account: { toolset: 'account', scopes: [] },
  list_sites: { toolset: 'sites', scopes: ['sites:read'] },
  get_site: { toolset: 'sites', scopes: ['sites:read'] },
  create_site: { toolset: 'sites', scopes: ['sites:write', 'sites:read'] },
  update_site: { toolset: 'sites', scopes: ['sites:write', 'sites:read'] },
  delete_site: { toolset: 'sites', scopes: ['sites:write', 'sites:read'] },
  list_files: { toolset: 'files', scopes: ['sites:read'] },
  upload_files: { toolset: 'files', scopes: ['files:write', 'sites:read'] },
  delete_file: { toolset: 'files', scopes: ['files:write', 'sites:read'] },
  deploy_directory: { toolset: 'deploy', scopes: ['files:write', 'sites:read'] },
  list_domains: { toolset: 'domains', scopes: ['domains:read'] },
};

/** The scopes a read-only server asks for: those of the read tools. */
export const READ_ONLY_SCOPES = ['sites:read', 'domains:read'] as const;

export interface ToolSelection {
  readOnly: boolean;
  /** undefined = every tool set. */
  toolsets?: readonly string[];
  /** Only these tools (within the tool sets). */
  tools?: readonly string[];
  excludeTools?: readonly string[];
}

export class ToolSelectionError extends Error {
  readonly code = 'INVALID_TOOL_SELECTION' as const;
}

function checkNames(what: string, given: readonly string[] | undefined, valid: readonly string[]): void {
  const unknown = (given ?? []).filter((name) => !valid.includes(name));
  if (unknown.length > 0) {
    throw new ToolSelectionError(
      `${what}: unknown name${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}. Valid: ${valid.join(', ')}.`,
    );
  }
}

/** The tools to list, in catalogue order; an unknown name throws, naming the valid ones. */
export function selectTools(all: readonly AnyToolDef[], sel: ToolSelection): AnyToolDef[] {
  const names = all.map((t) => t.name);
  checkNames('--toolsets', sel.toolsets, TOOLSETS);
  checkNames('--tools', sel.tools, names);
  checkNames('--exclude-tools', sel.excludeTools, names);
  return all.filter((tool) => {
    const entry = TOOL_SCOPES[tool.name];
    if (!entry) throw new Error(`tool ${tool.name} has no row in TOOL_SCOPES`);
    if (sel.readOnly && !tool.annotations.readOnlyHint) return false;
    if (sel.toolsets && !sel.toolsets.includes(entry.toolset)) return false;
    if (sel.tools && !sel.tools.includes(tool.name)) return false;
    return !sel.excludeTools?.includes(tool.name);
  });
}

/** The scopes the listed tools need, in a stable order (the order of the first tool needing each). */
export function scopesFor(tools: readonly AnyToolDef[]): string[] {
  const wanted = new Set<string>();
  for (const tool of tools) for (const scope of TOOL_SCOPES[tool.name]?.scopes ?? []) wanted.add(scope);
  return [...wanted];
}

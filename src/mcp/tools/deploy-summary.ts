// What a deploy changed (or, on a dry run, would change) on the live site, for people and
// models: counts and the first few paths of each kind.
import * as z from 'zod/v4';
import type { DeployOptions, DeployReport } from '../../deploy/deploy.js';
import { firstFew } from '../../deploy/plan.js';
import type { Confirm } from '../confirm.js';
import type { ResourceLink } from '../tool.js';

/** Paths of each kind a result names: a few in a summary, more in a dry run's plan. */
export const SUMMARY_PATHS = 5;
export const DRY_RUN_PATHS = 25;

const kind = (what: string) =>
  z
    .object({
      count: z.number().int(),
      paths: z.array(z.string()).describe('The first of them, sorted.'),
    })
    .describe(what);

export const changesField = z
  .object({
    added: kind('Files the live site did not serve.'),
    changed: kind('Files the live site served with other content.'),
    removed: kind('Files the live site served that the folder lacks: a deploy removes them.'),
    unchanged: z.number().int(),
  })
  .describe('What the deploy changes on the live site, against its files before.');

export function changesOf(report: DeployReport, shown: number): z.infer<typeof changesField> {
  const { added, changed, removed, unchanged } = report.plan;
  const of = (paths: string[]) => ({ count: paths.length, paths: paths.slice(0, shown) });
  return { added: of(added), changed: of(changed), removed: of(removed), unchanged };
}

/** "Added 2 (a, b); changed 1 (index.html); removed none; 4 unchanged." */
export function changesLine(report: DeployReport, shown: number, dryRun: boolean): string {
  const { added, changed, removed, unchanged } = report.plan;
  const part = (verb: string, paths: string[]) =>
    paths.length === 0 ? `${verb} none` : `${verb} ${paths.length} (${firstFew(paths, shown)})`;
  const verbs = dryRun ? ['would add', 'would change', 'would remove'] : ['added', 'changed', 'removed'];
  const line = `${part(verbs[0]!, added)}; ${part(verbs[1]!, changed)}; ${part(verbs[2]!, removed)}; ${unchanged} unchanged.`;
  return line.charAt(0).toUpperCase() + line.slice(1);
}

/** The live site, as a ResourceLink content item. */
export function siteLink(report: DeployReport): ResourceLink {
  return {
    uri: report.url,
    name: report.siteName,
    title: `Site ${report.siteName}`,
    description: 'The live site on Hostsmith',
    mimeType: 'text/html',
  };
}

/** The question before a deploy that removes live files: which site, and what goes. */
export function removalQuestion(confirm: Confirm): NonNullable<DeployOptions['confirmRemoval']> {
  return (site, plan, directory) => {
    const n = plan.removed.length;
    const files = `${n} file${n === 1 ? '' : 's'}`;
    return confirm({
      message: `Deploy ${directory} to site ${site.name} (${site.url})? This removes ${files} from the live site: ${firstFew(plan.removed, SUMMARY_PATHS)}.`,
      action: `deploy to site ${site.name} (it would remove ${files})`,
      plan: { directory, ...plan },
    });
  };
}

// Every tool the server offers, in the order tools/list shows them.
import type { AnyToolDef } from '../tool.js';
import { getAccount } from './account.js';
import { deployTools } from './deploy.js';
import { listDomains } from './domains.js';
import { deleteFile, listFiles, uploadFiles } from './files.js';
import { createSite, deleteSite, getSite, listSites, updateSite } from './sites.js';

export const ALL_TOOLS: readonly AnyToolDef[] = [
  getAccount,
  listSites,
  getSite,
  createSite,
  updateSite,
  deleteSite,
  listFiles,
  uploadFiles,
  deleteFile,
  ...deployTools,
  listDomains,
];

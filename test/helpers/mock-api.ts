// The Hostsmith API as an undici MockAgent, for driving the real HostsmithClient in-process
// without a network: every request is recorded (method, raw path, partition), and each route of
// the API's table answers a well-formed success, so that a call with valid arguments succeeds.
// A request off the route table is answered 404 and stays in the record for the test to see.
import { MockAgent } from 'undici';
import { matchRoute } from '../../sandbox/api/routes.js';
import type { SentRequest } from './tool-fuzz.js';

export const MOCK_ORIGIN = 'http://hostsmith.mock';

const NOW = '2026-01-01T00:00:00.000Z';

const site = (id: string, partition: string, name = 'mock-site') => ({
  id,
  name,
  partition,
  url: `https://${name}.hostsmith.site`,
  createdAt: NOW,
  updatedAt: NOW,
  fileCount: 0,
  sizeBytes: 0,
  indexDocument: 'index.html',
  errorDocument: null,
  liveDeployId: null,
});

function parseJson(body: unknown): Record<string, unknown> {
  try {
    return typeof body === 'string' ? (JSON.parse(body) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function answer(method: string, path: string, partition: string, body: unknown): [number, unknown] {
  const match = matchRoute(method, path);
  if (match.kind !== 'found') return [404, { error: { code: 'not_found', message: 'No such route.' } }];
  const p = match.params;
  switch (`${match.route.method} ${match.route.path}`) {
    case 'GET /v1/account':
      return [
        200,
        {
          user: { id: 'usr_mock', email: 'mock@example.com', name: 'Mock', homePartition: 'us' },
          partition,
          usage: { sites: 0, storageBytes: 0, customDomains: 0 },
          limits: { sites: 50, storageBytes: 1 << 30 },
        },
      ];
    case 'GET /v1/sites':
      return [200, { sites: [site('site_listed', partition)], nextCursor: null }];
    case 'POST /v1/sites':
      return [201, site('site_new', partition, String(parseJson(body).name ?? 'x'))];
    case 'GET /v1/sites/:siteId':
    case 'PATCH /v1/sites/:siteId':
      return [200, site(p.siteId!, partition)];
    case 'DELETE /v1/sites/:siteId':
    case 'DELETE /v1/sites/:siteId/files/*path':
      return [204, undefined];
    case 'GET /v1/sites/:siteId/files':
      return [200, { files: [] }];
    case 'PUT /v1/sites/:siteId/files/*path':
      return [200, { path: p.path, size: 0, sha256: '0'.repeat(64), contentType: 'text/plain' }];
    case 'POST /v1/sites/:siteId/deploys': {
      const files = (parseJson(body).files ?? {}) as Record<string, string>;
      return [201, { id: 'dep_mock', state: 'uploading', required: [...new Set(Object.values(files))] }];
    }
    case 'PUT /v1/sites/:siteId/deploys/:deployId/blobs/:sha256':
      return [204, undefined];
    case 'POST /v1/sites/:siteId/deploys/:deployId/publish':
      return [200, { id: p.deployId, state: 'live', fileCount: 1, sizeBytes: 1, publishedAt: NOW }];
    case 'GET /v1/domains':
      return [200, { domains: [] }];
    default:
      return [200, {}];
  }
}

export function mockApi(): { dispatcher: MockAgent; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const dispatcher = new MockAgent();
  dispatcher.disableNetConnect();
  dispatcher
    .get(MOCK_ORIGIN)
    .intercept({ path: () => true, method: () => true })
    .reply((req) => {
      const url = new URL(req.path, MOCK_ORIGIN);
      const path = req.path.split('?')[0] ?? '';
      const partition = url.searchParams.get('partition');
      sent.push({ method: req.method, path, partition });
      const [status, json] = answer(req.method, path, partition ?? 'us', req.body);
      return {
        statusCode: status,
        data: json === undefined ? '' : JSON.stringify(json),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
  return { dispatcher, sent };
}

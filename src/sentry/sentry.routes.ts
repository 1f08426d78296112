import { RequestMethod } from '@nestjs/common';

/**
 * The Sentry routes live outside the `/api/debug` prefix: SDKs build them from the DSN
 * (`http://<key>@host:port/<project_id>` → `/api/<project_id>/envelope/`).
 */
export const SENTRY_ROUTES = [
  { path: 'api/:projectId/envelope', method: RequestMethod.POST },
  { path: 'api/:projectId/store', method: RequestMethod.POST },
];

import { SetMetadata } from '@nestjs/common';
import type { ApiScope } from '../../config/app-config.service.js';

export const REQUIRED_SCOPE = 'requiredScope';
export const PUBLIC_ROUTE = 'publicRoute';

/** The API-key scope a route needs; routes without it need `read`. */
export const RequireScope = (scope: ApiScope) => SetMetadata(REQUIRED_SCOPE, scope);

/** Reachable without a key (liveness, readiness, metrics scrape). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

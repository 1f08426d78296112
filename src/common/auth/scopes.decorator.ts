import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { ApiScope } from '../../config/app-config.service.js';
import { PUBLIC_OPERATION } from '../http/openapi-document.js';

export const REQUIRED_SCOPE = 'requiredScope';
export const PUBLIC_ROUTE = 'publicRoute';

/** The API-key scope a route needs; routes without it need `read`. */
export const RequireScope = (scope: ApiScope) => SetMetadata(REQUIRED_SCOPE, scope);

/** Reachable without a key (liveness, readiness, metrics scrape); the OpenAPI document says so. */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiExtension(PUBLIC_OPERATION, true));

import { type CanActivate, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { AppConfig } from '../config/app-config.service.js';

/** DEBUG_SYSTEM_ENABLED=false: ingestion answers 503 in the error envelope. */
@Injectable()
export class IngestEnabledGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(): boolean {
    if (!this.config.enabled) {
      throw new DomainError(
        'DISABLED',
        'the debug system is disabled (DEBUG_SYSTEM_ENABLED=false): nothing is collected',
      );
    }
    return true;
  }
}

import { Global, Module } from '@nestjs/common';
import { ApiKeysModule } from '../../api-keys/api-keys.module.js';
import { ApiKeyService } from './api-key.service.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';

@Global()
@Module({
  imports: [ApiKeysModule],
  providers: [ApiKeyService, FailedAuthLimiter],
  exports: [ApiKeyService, FailedAuthLimiter],
})
export class AuthModule {}

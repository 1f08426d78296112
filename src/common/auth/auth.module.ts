import { Global, Module } from '@nestjs/common';
import { ApiKeyService } from './api-key.service.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';

@Global()
@Module({ providers: [ApiKeyService, FailedAuthLimiter], exports: [ApiKeyService, FailedAuthLimiter] })
export class AuthModule {}

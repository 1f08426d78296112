import { Module } from '@nestjs/common';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { KeyDirectoryService } from './key-directory.service.js';

/**
 * API keys managed at runtime (docs/security.md): the api_keys table, the admin routes under
 * /api/debug/admin/keys, and the directory the API-key check consults.
 */
@Module({
  controllers: [ApiKeysController],
  providers: [ApiKeyRepository, ApiKeysService, KeyDirectoryService],
  exports: [ApiKeysService, KeyDirectoryService],
})
export class ApiKeysModule {}

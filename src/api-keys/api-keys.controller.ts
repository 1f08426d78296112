import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { ApiKeysService } from './api-keys.service.js';
import {
  ApiKeyDto,
  ApiKeyIdParamDto,
  ApiKeyPageDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  ListApiKeysQueryDto,
  UpdateApiKeyDto,
} from './dto/api-key.dto.js';

/**
 * API keys managed at runtime (admin scope). A change is in force on this instance at once and
 * on every other within DEBUG_API_KEY_REFRESH_SECONDS (at once with Redis).
 */
@ApiTags('operations')
@Controller('admin/keys')
@RequireScope('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key; the answer carries its secret, shown this once',
    description:
      'Only a SHA-256 hash of the secret is stored. While no key exists at all (authentication off), the first key must include the admin scope.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiBadRequestResponse({ description: 'The message names the field at fault' })
  create(@Body() body: CreateApiKeyDto) {
    return this.keys.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'The stored keys, oldest first, without their secrets' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  list(@Query() query: ListApiKeysQueryDto) {
    return this.keys.list(query.limit ?? 100, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One stored key, without its secret' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiNotFoundResponse({ description: 'No such key' })
  get(@Param() params: ApiKeyIdParamDto) {
    return this.keys.get(params.id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a key, change its scopes or its expiry' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiNotFoundResponse({ description: 'No such key' })
  @ApiConflictResponse({
    description: 'The key is revoked, or it is the last admin key and would lose admin',
  })
  update(@Param() params: ApiKeyIdParamDto, @Body() body: UpdateApiKeyDto) {
    return this.keys.update(params.id, body);
  }

  @Put(':id/revoke')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke a key (idempotent); refused within DEBUG_API_KEY_REFRESH_SECONDS everywhere',
  })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiNotFoundResponse({ description: 'No such key' })
  @ApiConflictResponse({
    description: 'It is the last usable admin key and DEBUG_API_KEYS holds no admin key',
  })
  revoke(@Param() params: ApiKeyIdParamDto) {
    return this.keys.revoke(params.id);
  }
}

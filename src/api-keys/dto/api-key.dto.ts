import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { ApiNullableString } from '../../common/http/api-object.decorator.js';
import { IsDateTime } from '../../common/validation/is-date-time.validator.js';
import type { ApiScope } from '../../config/app-config.service.js';
import { API_SCOPES } from '../stored-keys.js';

export class CreateApiKeyDto {
  @ApiProperty({ description: 'Who or what uses the key', example: 'checkout-api ingest' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: API_SCOPES, isArray: true, example: ['ingest'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @ArrayUnique()
  @IsIn(API_SCOPES, { each: true, message: 'each value in scopes must be ingest, read or admin' })
  scopes: ApiScope[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'When the key stops working (in the future); absent or null: never',
    example: '2027-06-01T00:00:00Z',
  })
  @IsOptional()
  @IsDateTime()
  expires_at?: string | null;
}

export class UpdateApiKeyDto {
  @ApiPropertyOptional({ example: 'checkout-api ingest (eu)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: API_SCOPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @ArrayUnique()
  @IsIn(API_SCOPES, { each: true, message: 'each value in scopes must be ingest, read or admin' })
  scopes?: ApiScope[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'A new expiry (in the future), or null for none; absent: unchanged',
  })
  @ValidateIf((body: UpdateApiKeyDto) => body.expires_at !== null && body.expires_at !== undefined)
  @IsDateTime()
  expires_at?: string | null;
}

export class ListApiKeysQueryDto {
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page', format: 'uuid' })
  @IsOptional()
  @IsUUID(undefined, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;
}

export class ApiKeyIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: API_SCOPES, isArray: true }) scopes: string[];
  @ApiProperty({
    description: 'The first characters of the secret, to recognise it (never the secret)',
    example: 'adk_3f9a12c4',
  })
  prefix: string;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiNullableString(undefined, { format: 'date-time' }) expires_at: string | null;
  @ApiNullableString(undefined, { format: 'date-time' }) revoked_at: string | null;
  @ApiNullableString('Last use, to within DEBUG_API_KEY_REFRESH_SECONDS', { format: 'date-time' })
  last_used_at: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    description:
      'The key to send as X-API-Key or Authorization: Bearer. Shown this once: only its hash is stored.',
    example: 'adk_3f9a12c4…',
  })
  secret: string;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyDto] }) items: ApiKeyDto[];
  @ApiNullableString('Pass back as `cursor` for the next page; null when this page was not full', {
    format: 'uuid',
  })
  next_cursor: string | null;
}

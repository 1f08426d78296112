import { ApiProperty } from '@nestjs/swagger';
import { ApiNullableString } from '../common/http/api-object.decorator.js';

export class StreamClientDto {
  @ApiProperty({ description: 'Socket id' }) id: string;
  @ApiNullableString('Which API key connected (an id, never the key); null without keys') key_id: string | null;
  @ApiProperty({ format: 'date-time' }) connected_at: string;
  @ApiProperty() subscriptions: number;
  @ApiProperty() delivered: number;
  @ApiProperty({ description: 'Messages waiting in its outbox' }) waiting: number;
  @ApiProperty({ description: 'Messages dropped because it read too slowly' }) dropped: number;
}

export class StreamClientsDto {
  @ApiProperty({ type: [StreamClientDto] }) items: StreamClientDto[];
  @ApiNullableString('Always null: every client of this instance is listed') next_cursor: null;
}

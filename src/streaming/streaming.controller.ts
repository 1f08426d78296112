import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { StreamHub } from './stream-hub.service.js';
import { StreamClientsDto } from './stream-clients.dto.js';

@ApiTags('streaming')
@Controller('streaming')
export class StreamingController {
  constructor(private readonly hub: StreamHub) {}

  @Get('clients')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Stream connections of this instance: subscriptions, delivered, waiting and dropped messages' })
  @ApiOkResponse({ description: 'One entry per connected client of this API instance', type: StreamClientsDto })
  clients() {
    return { items: this.hub.describeClients(), next_cursor: null };
  }
}

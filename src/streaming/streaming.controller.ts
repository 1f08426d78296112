import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { StreamHub } from './stream-hub.service.js';

@ApiTags('streaming')
@Controller('streaming')
export class StreamingController {
  constructor(private readonly hub: StreamHub) {}

  @Get('clients')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Stream connections of this instance: subscriptions, delivered, waiting and dropped messages' })
  @ApiOkResponse({ description: 'One entry per connected client of this API instance' })
  clients() {
    return { clients: this.hub.describeClients() };
  }
}

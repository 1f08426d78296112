import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one shape every error answer has. */
export class ErrorEnvelope {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({ example: 'events[3].level must be one of: debug, info, warning, error, critical' })
  message: string;

  @ApiPropertyOptional({ description: 'Machine-readable specifics, e.g. the failing fields.' })
  details?: unknown;

  @ApiProperty({ example: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11' })
  requestId: string;

  @ApiPropertyOptional({ description: 'Only on 5xx: quote it when reporting the problem.' })
  errorId?: string;
}

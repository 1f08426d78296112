import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  ValidateIf,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { IsVocabularyList } from '../common/validation/vocabulary-list.decorator.js';
import { EVENT_TYPES, LEVELS } from '../common/debug-event.js';
import { DTO_REFUSED_KEYS, unstorableInputProblem } from '../common/validation/storable-text.js';

export const CHANNEL_NAMES = [
  'debug:event',
  'debug:insight',
  'debug:alert',
  'debug:state_change',
  'debug:metric_update',
  'event',
  'insight',
  'alert',
  'state_change',
  'metric_update',
] as const;

const MAX_VALUES = 1000;

/** The payload of `subscribe`. Within one filter the values are alternatives; different filters must all hold. */
export class SubscribeDto {
  /** Channels wanted, `debug:event` or `event`; default: every channel the other filters apply to. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsIn(CHANNEL_NAMES, { each: true })
  channels?: string[];

  /** The same vocabulary and messages as REST (`POST /analytics/events-search`, session filters). */
  @IsOptional()
  @IsVocabularyList(EVENT_TYPES)
  event_types?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_VALUES)
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  component_types?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_VALUES)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  component_ids?: string[];

  @IsOptional()
  @IsVocabularyList(LEVELS)
  levels?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_VALUES)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  correlation_ids?: string[];

  @IsOptional()
  @IsString()
  @Length(1, 64)
  session_id?: string;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  pattern_id?: string;

  /**
   * Replay from the hot tier before going live: an ISO-8601 time, epoch milliseconds, or
   * the id of the last event the client has (events that arrived after it are replayed).
   */
  @IsOptional()
  @ValidateIf((_, value) => typeof value !== 'number')
  @IsString({ message: 'since must be an ISO-8601 time, epoch milliseconds or an event id' })
  @Length(1, 64)
  since?: string | number;
}

export interface FieldProblem {
  field: string;
  problem: string;
}

/** Validates a `subscribe` payload; returns the DTO or every problem, each naming its field. */
export function parseSubscribe(
  payload: unknown,
): { dto: SubscribeDto } | { problems: FieldProblem[] } {
  if (payload === undefined || payload === null) return { dto: new SubscribeDto() };
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    return {
      problems: [{ field: '(payload)', problem: 'subscribe expects an object of filters' }],
    };
  }
  // As REST refuses them before validation: `constructor` or `__proto__` keys (class-transformer
  // would take a nested `constructor` for a class and throw), text no store keeps, deep nesting.
  const unreadable = unstorableInputProblem(payload, '', DTO_REFUSED_KEYS);
  if (unreadable !== null)
    return { problems: [{ field: unreadable.split(' ')[0], problem: unreadable }] };
  const dto = plainToInstance(SubscribeDto, payload);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) return { problems: flatten(errors) };
  return { dto };
}

function flatten(errors: ValidationError[]): FieldProblem[] {
  return errors.map((error) => ({
    field: error.property,
    problem: Object.values(error.constraints ?? {}).join('; ') || 'is invalid',
  }));
}

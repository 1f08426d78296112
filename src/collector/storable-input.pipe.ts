import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import {
  DTO_REFUSED_KEYS,
  nestingProblem,
  unstorableInputProblem,
} from '../common/validation/storable-text.js';

/**
 * Global, before validation: a body, query or path parameter holding text PostgreSQL cannot
 * store (NUL, an unpaired surrogate) or nested deeper than any route needs is a 400 naming the
 * field, on every route, instead of a failed write (or a 500) later.
 */
@Injectable()
export class StorableInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const toDto = metadata.metatype !== undefined && metadata.metatype !== Object;
    // A body the route reads as it is (the event intakes: each event is checked apart, so that a
    // bad one is rejected alone in a 207) is only held to the depth here.
    const problem = toDto
      ? unstorableInputProblem(value, metadata.data ?? '', DTO_REFUSED_KEYS)
      : nestingProblem(value);
    if (problem !== null)
      throw new DomainError('VALIDATION_FAILED', problem, { field: problem.split(' ')[0] });
    return value;
  }
}

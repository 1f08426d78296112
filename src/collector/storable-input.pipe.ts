import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { DTO_REFUSED_KEYS, PROTOTYPE_KEYS, unstorableInputProblem } from './storable-text.js';

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
    const problem = unstorableInputProblem(value, metadata.data ?? '', toDto ? DTO_REFUSED_KEYS : PROTOTYPE_KEYS);
    if (problem !== null) throw new DomainError('VALIDATION_FAILED', problem, { field: problem.split(' ')[0] });
    return value;
  }
}

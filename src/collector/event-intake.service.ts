import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import type { DebugEventRecord } from '../common/debug-event.js';
import { DomainError } from '../common/errors/domain-error.js';
import { AppConfig } from '../config/app-config.service.js';
import { normalizeEvent, type RequestContext, type TimeWindow } from './event-normalizer.js';
import { EventSchemaValidator } from './event-schema.js';
import { fieldMessages, type IngestEventInput } from './event-shape.js';
import { IngestEventDto } from './dto/ingest-event.dto.js';

const FUTURE_ALLOWANCE_MS = 24 * 3_600_000;

/** One item of a batch, after validation: the record to keep, or why it was refused. */
export type IntakeItem =
  | { index: number; event: DebugEventRecord; json: string; reason?: undefined }
  | { index: number; event?: undefined; reason: string };

/** An accepted event and its JSON (what the hot tier stores). */
export interface IntakeEvent {
  event: DebugEventRecord;
  json: string;
}

/** Validates and normalizes what clients send, for the single and the batch path alike. */
@Injectable()
export class EventIntake {
  private readonly schema = new EventSchemaValidator();

  constructor(private readonly config: AppConfig) {}

  /**
   * A single event: validated with the compiled schema (the batch path's), then normalized.
   * A refused event is validated again with the DTO (class-validator), whose answer lists
   * every problem, not only the first. Throws 400 naming the fields.
   */
  single(body: unknown, context: RequestContext): IntakeEvent {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new DomainError('VALIDATION_FAILED', 'the body must be a JSON object (one event)');
    }
    const firstProblem = this.schema.check(body, 'event');
    if (firstProblem !== null) throw this.everyProblem(body, firstProblem);
    const now = new Date();
    const result = normalizeEvent(body as IngestEventInput, 'event', context, this.window(now), now);
    if (result.reason !== undefined) {
      throw new DomainError('VALIDATION_FAILED', result.reason, { problems: [result.reason] });
    }
    return { event: result.event, json: result.json };
  }

  private everyProblem(body: object, firstProblem: string): DomainError {
    let errors: ValidationError[] = [];
    try {
      errors = validateSync(plainToInstance(IngestEventDto, body), { whitelist: true, forbidNonWhitelisted: true });
    } catch {
      // class-transformer cannot take every JSON (a `constructor` key holding an object): the schema's reason stands.
    }
    const problems = errors.flatMap((error) =>
      Object.entries(error.constraints ?? {}).map(([rule, message]) =>
        rule === 'whitelistValidation' ? fieldMessages.notAllowed(error.property) : message,
      ),
    );
    // The two validators are kept in step by event-validation.spec.ts; should they ever differ, the schema's reason stands.
    if (problems.length === 0) problems.push(firstProblem);
    return new DomainError('VALIDATION_FAILED', problems.join('; '), { problems });
  }

  /**
   * The body of POST /events/batch: `{ "events": [...] }`. Whole-body problems throw
   * (400, or 413 past DEBUG_MAX_BATCH_EVENTS); a bad event only rejects itself.
   */
  batch(body: unknown, context: RequestContext): IntakeItem[] {
    const events = this.eventsOf(body);
    const now = new Date();
    const window = this.window(now);
    const items: IntakeItem[] = new Array(events.length);
    for (let index = 0; index < events.length; index++) {
      const path = `events[${index}]`;
      const reason = this.schema.check(events[index], path);
      if (reason !== null) {
        items[index] = { index, reason };
        continue;
      }
      const result = normalizeEvent(events[index] as IngestEventInput, path, context, window, now);
      items[index] = result.reason !== undefined ? { index, reason: result.reason } : { index, event: result.event, json: result.json };
    }
    return items;
  }

  private eventsOf(body: unknown): unknown[] {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new DomainError('VALIDATION_FAILED', 'the body must be a JSON object: { "events": [ … ] }');
    }
    const extra = Object.keys(body).filter((key) => key !== 'events');
    if (extra.length > 0) {
      throw new DomainError('VALIDATION_FAILED', `${extra[0]} is not a known field (the body is { "events": [ … ] })`);
    }
    const { events } = body as { events?: unknown };
    if (!Array.isArray(events)) throw new DomainError('VALIDATION_FAILED', 'events must be an array of events');
    if (events.length === 0) throw new DomainError('VALIDATION_FAILED', 'events must not be empty');
    const limit = this.config.maxBatchEvents;
    if (events.length > limit) {
      throw new DomainError(
        'PAYLOAD_TOO_LARGE',
        `events holds ${events.length} events, over DEBUG_MAX_BATCH_EVENTS=${limit}: split it into smaller batches`,
        { events: events.length, limit },
      );
    }
    return events;
  }

  private window(now: Date): TimeWindow {
    return {
      oldestMs: now.getTime() - this.config.coldRetentionDays * 86_400_000,
      newestMs: now.getTime() + FUTURE_ALLOWANCE_MS,
    };
  }
}

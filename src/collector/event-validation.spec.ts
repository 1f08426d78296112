import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { IngestEventDto } from './dto/ingest-event.dto.js';
import { EventSchemaValidator } from './event-schema.js';
import { EVENT_FIELDS } from './event-shape.js';

const base = () => ({
  id: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11',
  timestamp: '2026-11-24T08:15:30.123Z',
  event_type: 'log',
  level: 'info',
  component_type: 'agent',
  component_id: 'planner-7',
  correlation_id: 'order-4711',
  parent_event_id: null,
  operation: 'plan.generate',
  duration_ms: 12.5,
  message: 'hello',
  data: { a: 1 },
  metadata: { host: 'n1' },
  session_id: null,
});

type Case = { name: string; event: unknown; field?: string };

/** The corpus both validators must agree on: every field's limits, just inside and just outside. */
function corpus(): Case[] {
  const cases: Case[] = [
    { name: 'complete', event: base() },
    { name: 'minimal', event: { event_type: 'error', component_type: 'a', component_id: 'b' } },
    { name: 'unknown field', event: { ...base(), extra: 1 }, field: 'extra' },
    { name: 'server-owned pattern_id', event: { ...base(), pattern_id: 'p' }, field: 'pattern_id' },
    {
      name: 'server-owned ingested_at',
      event: { ...base(), ingested_at: '2026-11-24T08:15:30.123Z' },
      field: 'ingested_at',
    },
    {
      name: 'timestamp without zone',
      event: { ...base(), timestamp: '2026-11-24T08:15:30' },
      field: 'timestamp',
    },
    { name: 'date only', event: { ...base(), timestamp: '2026-11-24' }, field: 'timestamp' },
    { name: 'timestamp with offset', event: { ...base(), timestamp: '2026-11-24T08:15:30+02:00' } },
    { name: 'uppercase uuid', event: { ...base(), id: '0193A4C8-6F1E-7D2A-9B1F-2C8F0E6D5A11' } },
    {
      name: 'uuid without dashes',
      event: { ...base(), id: '0193a4c86f1e7d2a9b1f2c8f0e6d5a11' },
      field: 'id',
    },
  ];
  for (const field of EVENT_FIELDS) {
    const withValue = (value: unknown) => ({ ...base(), [field.name]: value });
    if (field.required) {
      const missing: Record<string, unknown> = base();
      delete missing[field.name];
      cases.push({ name: `${field.name} missing`, event: missing, field: field.name });
      cases.push({ name: `${field.name} null`, event: withValue(null), field: field.name });
    } else {
      cases.push({ name: `${field.name} null`, event: withValue(null) });
    }
    if (field.kind !== 'string')
      cases.push({ name: `${field.name} as string`, event: withValue('7'), field: field.name });
    if (field.kind !== 'number')
      cases.push({ name: `${field.name} as number`, event: withValue(7), field: field.name });
    cases.push({ name: `${field.name} as array`, event: withValue(['x']), field: field.name });
    cases.push({ name: `${field.name} as boolean`, event: withValue(true), field: field.name });
    switch (field.kind) {
      case 'string':
        if (field.enum) {
          cases.push({
            name: `${field.name} unknown value`,
            event: withValue('nope'),
            field: field.name,
          });
          for (const value of field.enum)
            cases.push({ name: `${field.name}=${value}`, event: withValue(value) });
        } else if (!field.pattern) {
          cases.push({
            name: `${field.name} at max`,
            event: withValue('x'.repeat(field.maxLength)),
          });
          cases.push({
            name: `${field.name} over max`,
            event: withValue('x'.repeat(field.maxLength + 1)),
            field: field.name,
          });
          if (field.minLength > 0)
            cases.push({ name: `${field.name} empty`, event: withValue(''), field: field.name });
          else cases.push({ name: `${field.name} empty`, event: withValue('') });
        } else {
          cases.push({
            name: `${field.name} not matching`,
            event: withValue('x'.repeat(field.minLength)),
            field: field.name,
          });
        }
        break;
      case 'number':
        cases.push({ name: `${field.name} at min`, event: withValue(field.minimum) });
        cases.push({
          name: `${field.name} under min`,
          event: withValue(field.minimum - 1),
          field: field.name,
        });
        cases.push({ name: `${field.name} at max`, event: withValue(field.maximum) });
        cases.push({
          name: `${field.name} over max`,
          event: withValue(field.maximum + 1),
          field: field.name,
        });
        break;
      case 'object': {
        const keys = (count: number) =>
          Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, index]));
        cases.push({
          name: `${field.name} at max keys`,
          event: withValue(keys(field.maxProperties)),
        });
        cases.push({
          name: `${field.name} over max keys`,
          event: withValue(keys(field.maxProperties + 1)),
          field: field.name,
        });
        cases.push({
          name: `${field.name} nested`,
          event: withValue({ a: { b: [1, { c: null }] } }),
        });
        break;
      }
    }
  }
  return cases;
}

function classValidatorProblems(event: unknown): string[] {
  const instance = plainToInstance(IngestEventDto, event as object);
  return validateSync(instance, { whitelist: true, forbidNonWhitelisted: true }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${message}`),
  );
}

describe('one event shape, two validators', () => {
  const ajv = new EventSchemaValidator();

  it.each(corpus().map((testCase) => [testCase.name, testCase] as const))(
    'agree on %s',
    (_name, testCase) => {
      const ajvReason = ajv.check(testCase.event, 'events[0]');
      const dtoProblems = classValidatorProblems(testCase.event);
      if (testCase.field === undefined) {
        expect(ajvReason).toBeNull();
        expect(dtoProblems).toEqual([]);
      } else {
        expect(ajvReason).toMatch(new RegExp(`^events\\[0\\]\\.${testCase.field} `));
        expect(dtoProblems.length).toBeGreaterThan(0);
        expect(dtoProblems.every((problem) => problem.startsWith(`${testCase.field}: `))).toBe(
          true,
        );
        // Where class-validator speaks (not the whitelist), it says what ajv says.
        const dtoSentence = dtoProblems[0].slice(testCase.field.length + 2);
        if (!dtoSentence.includes('should not exist')) {
          expect(
            dtoProblems.map((problem) => `events[0].${problem.slice(testCase.field!.length + 2)}`),
          ).toContain(ajvReason);
        }
      }
    },
  );

  it('refuses what is not an object', () => {
    expect(ajv.check([], 'events[2]')).toBe('events[2] must be a JSON object');
    expect(ajv.check('text', 'events[2]')).toBe('events[2] must be a JSON object');
    expect(ajv.check(null, 'events[2]')).toBe('events[2] must be a JSON object');
  });

  it('names the allowed levels', () => {
    expect(ajv.check({ ...base(), level: 'loud' }, 'events[3]')).toBe(
      'events[3].level must be one of: debug, info, warning, error, critical',
    );
  });
});

import { ApiProperty } from '@nestjs/swagger';

/** A JSON object property whose keys are the caller's (event data, state) or vary by configuration. */
export const ApiObject = (description: string, options: { nullable?: boolean } = {}) =>
  ApiProperty({ type: 'object', additionalProperties: true, description, ...options });

/** A nullable string property (`string | null` has no runtime type for the metadata to read). */
export const ApiNullableString = (description?: string, options: { format?: string; example?: string } = {}) =>
  ApiProperty({ type: String, nullable: true, description, ...options });

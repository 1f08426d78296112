import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DomainError } from '../common/errors/domain-error.js';
import { storeUnreachable } from '../common/errors/store-unreachable.js';

/** Runs a tool: a summary line and the JSON data, or an error result the agent can read. */
export async function run<T>(
  work: () => Promise<T>,
  summarize: (value: T) => string,
): Promise<CallToolResult> {
  try {
    const value = await work();
    return {
      content: [
        { type: 'text', text: summarize(value) },
        { type: 'text', text: JSON.stringify(value) },
      ],
    };
  } catch (caught) {
    const error = storeUnreachable(caught) ?? caught;
    if (error instanceof DomainError) {
      const details = error.details === undefined ? '' : ` ${JSON.stringify(error.details)}`;
      return {
        isError: true,
        content: [{ type: 'text', text: `${error.code}: ${error.message}${details}` }],
      };
    }
    throw error;
  }
}

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ApiKeysService } from '../api-keys/api-keys.service.js';
import { run } from './tool-run.js';

const scopes = z
  .array(z.enum(['ingest', 'read', 'admin']))
  .min(1)
  .max(3)
  .describe('ingest writes events, state, metrics and sessions; read reads; admin does all.');

/**
 * API keys as MCP tools, over the same service as /api/debug/admin/keys. Every one needs the
 * `admin` scope: `adminRefusal` null when the caller has it, else why not.
 */
export function registerApiKeyTools(
  server: McpServer,
  keys: ApiKeysService,
  adminRefusal: string | null,
): void {
  server.registerTool(
    'api_keys',
    {
      title: 'API keys',
      description:
        'The stored API keys (admin scope): name, scopes, status (active, expired, revoked), the first characters of the secret, last use. Never the secrets.',
      inputSchema: {
        limit: z.number().int().min(1).max(500).optional(),
        cursor: z.uuid().optional().describe('next_cursor of the previous page'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      adminRefusal
        ? refuse(adminRefusal)
        : run(
            () => keys.list(args.limit ?? 100, args.cursor),
            (page) =>
              `${page.items.length} key(s)${page.next_cursor ? ' (more: pass next_cursor)' : ''}`,
          ),
  );

  server.registerTool(
    'create_api_key',
    {
      title: 'Create an API key',
      description:
        'Create a key (admin scope). The answer holds its secret, shown this once: hand it to whoever needs it. ' +
        'expires_at (ISO-8601, in the future) makes it stop working then.',
      inputSchema: {
        name: z.string().min(1).max(200),
        scopes,
        expires_at: z.string().max(64).optional(),
      },
    },
    (args) =>
      adminRefusal
        ? refuse(adminRefusal)
        : run(
            () => keys.create(args),
            (key) => `created key ${key.id} (${key.name}, ${key.scopes.join('+')})`,
          ),
  );

  server.registerTool(
    'revoke_api_key',
    {
      title: 'Revoke an API key',
      description:
        'Revoke a stored key by id (admin scope); every instance refuses it within DEBUG_API_KEY_REFRESH_SECONDS.',
      inputSchema: { id: z.uuid() },
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    (args) =>
      adminRefusal
        ? refuse(adminRefusal)
        : run(
            () => keys.revoke(args.id),
            (key) => `key ${key.id} (${key.name}) is ${key.status}`,
          ),
  );
}

function refuse(reason: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `FORBIDDEN: ${reason}` }] };
}

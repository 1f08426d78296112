import { createHash } from 'node:crypto';
import type { InsightDraft } from './insight.types.js';

/**
 * The stable identity of a problem: type, kind, the draft's identity parts (a pattern id,
 * a component, an operation; never a time or a count) and the session it was found in.
 */
export function fingerprintOf(
  draft: Pick<InsightDraft, 'type' | 'kind' | 'identity'>,
  sessionId: string | null,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([draft.type, draft.kind, ...draft.identity, sessionId ?? '']))
    .digest('hex')
    .slice(0, 40);
  return `${draft.type}:${draft.kind}:${digest}`;
}

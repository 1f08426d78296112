import type { ComponentRef } from './insight.types.js';

/**
 * Where a chain's event without an error is counted (latestGood): per chain, component and
 * operation, and per chain and component whatever the operation (`*`).
 */
export function recoveryKey(
  correlationId: string,
  component: ComponentRef,
  operation: string | null | '*',
): string {
  return [correlationId, component.component_type, component.component_id, operation ?? ''].join(
    '\u0000',
  );
}

import type { ComponentRef } from './insight.types.js';

/**
 * Where a chain's event without an error is counted (latestGood): per chain, component and
 * operation, per chain and component whatever the operation (`*`), and per chain, component
 * type (anyInstanceOf) and operation.
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

/** Any instance of a component's type, for a recovery key that a retry on another pod keeps. */
export function anyInstanceOf(component: ComponentRef): ComponentRef {
  return { component_type: component.component_type, component_id: '*' };
}

import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/** The URL's query string is the view's state: filters and ranges survive reloads and can be shared. */
export function useUrlState<K extends string>(
  keys: readonly K[],
): [Record<K, string>, (patch: Partial<Record<K, string | null>>) => void] {
  const [params, setParams] = useSearchParams();
  const state = Object.fromEntries(keys.map((key) => [key, params.get(key) ?? ''])) as Record<
    K,
    string
  >;
  const update = useCallback(
    (patch: Partial<Record<K, string | null>>) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(patch) as [
            string,
            string | null | undefined,
          ][]) {
            if (value) next.set(key, value);
            else next.delete(key);
          }
          return next;
        },
        { replace: false },
      );
    },
    [setParams],
  );
  return [state, update];
}

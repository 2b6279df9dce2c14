import { useCallback, useEffect, useRef } from 'react';

/**
 * A function that runs `fn` at most once per `ms`: the first call runs at once, calls during the
 * wait collapse into one trailing run. Live tables refetch through this, so a burst of hundreds of
 * session changes costs a couple of requests.
 */
export function useThrottled(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | undefined }>({
    last: 0,
    timer: undefined,
  });

  useEffect(
    () => () => {
      if (state.current.timer !== undefined) clearTimeout(state.current.timer);
    },
    [],
  );

  return useCallback(() => {
    const s = state.current;
    if (s.timer !== undefined) return;
    const wait = s.last + ms - Date.now();
    if (wait <= 0) {
      s.last = Date.now();
      fnRef.current();
      return;
    }
    s.timer = setTimeout(() => {
      s.timer = undefined;
      s.last = Date.now();
      fnRef.current();
    }, wait);
  }, [ms]);
}

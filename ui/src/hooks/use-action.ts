import { useMutation } from '@tanstack/react-query';
import { describeError } from '../api/index.js';
import { useToast } from '../components/index.js';

/**
 * An operator action (stop, restart, redispatch…): runs it, says what happened in a toast, and
 * reports the API's message when it fails (e.g. "session ses_… is completed: only open sessions
 * can be stopped").
 */
export function useAction<TArg, TResult>(
  run: (arg: TArg) => Promise<TResult>,
  messages: { success: (result: TResult, arg: TArg) => string; failure: string },
  onSuccess?: (result: TResult, arg: TArg) => void,
) {
  const toast = useToast();
  return useMutation({
    mutationFn: run,
    onSuccess: (result, arg) => {
      toast.show(messages.success(result, arg), 'success');
      onSuccess?.(result, arg);
    },
    onError: (error) => toast.show(`${messages.failure}: ${describeError(error)}`, 'danger'),
  });
}

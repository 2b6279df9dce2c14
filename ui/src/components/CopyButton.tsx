import { useEffect, useState } from 'react';
import { Button } from './Button.js';

/** Copies `text` to the clipboard and says so for two seconds (also to screen readers). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      // The clipboard needs a secure context (https or localhost); fall back to a selection copy.
      setState(fallbackCopy(text) ? 'copied' : 'failed');
    }
  };

  return (
    <Button
      size="small"
      variant="secondary"
      onClick={() => void copy()}
      aria-label={`${label}: ${text}`}
      title={text}
    >
      <span aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
      </span>
    </Button>
  );
}

function fallbackCopy(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    // Deprecated but the only way without the async clipboard (plain http on a LAN address).
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

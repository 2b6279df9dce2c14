/** A few lines of a source file around a line, for showing where an error was raised. */
export interface ExcerptLine {
  number: number;
  text: string;
  /** The line the error points at. */
  target: boolean;
}

export function excerptLines(source: string, line: number, context = 2): ExcerptLine[] {
  const lines = source.split(/\r?\n/);
  if (line < 1 || line > lines.length) return [];
  const first = Math.max(1, line - context);
  const last = Math.min(lines.length, line + context);
  const out: ExcerptLine[] = [];
  for (let n = first; n <= last; n++) out.push({ number: n, text: lines[n - 1] ?? '', target: n === line });
  return out;
}

/** UTF-8 text of a base64 string (the API's form of project files). */
export function decodeBase64Text(base64: string): string {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

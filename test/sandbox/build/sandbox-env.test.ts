import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { sandboxEnvDeclarations } from '../../../sandbox/build/sandbox-env.js';

/** Type checks one in-memory declaration file against ES2022 alone. */
function check(text: string): string[] {
  const file = '/virtual/sandbox-env.d.ts';
  const options: ts.CompilerOptions = { lib: ['lib.es2022.d.ts'], strict: true, noEmit: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, text, version) : getSourceFile(name, version, ...rest);
  const program = ts.createProgram({ rootNames: [file], options, host });
  const source = program.getSourceFile(file)!;
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
}

describe('sandboxEnvDeclarations', () => {
  it('are valid declarations, with and without the globals', () => {
    expect(check(sandboxEnvDeclarations(['.png', '.bin', '.txt', '.json', ''], true))).toEqual([]);
    expect(check(sandboxEnvDeclarations([], false))).toEqual([]);
  });

  it('declare text and binary resource modules', () => {
    const text = sandboxEnvDeclarations(['.png', '.png', '.wasm'], false);
    expect(text).toContain("declare module '*.txt' {\n  const text: string;");
    expect(text).toContain("declare module '*.png' {\n  const bytes: Uint8Array;");
    expect(text.match(/\*\.png/g)).toHaveLength(1);
    expect(text).not.toContain('declare var console');
  });
});

/**
 * Files outside the project that type checks keep across builds (parsed lib and guest API files).
 * Its own module, free of a runtime TypeScript import, so `clearTypecheckCache` does not load the
 * compiler.
 */
import type ts from 'typescript';

/**
 * Parsed files outside the project, kept across builds. Parsing depends on the language version,
 * the module format and the options that change binding, so all are part of the key.
 */
export const sharedSourceFiles = new Map<string, { version: string; sourceFile: ts.SourceFile }>();
/** Text and existence of files outside the project, by path (lib files never change). */
export const sharedTexts = new Map<string, { version: string; text: string | undefined }>();

/** Drops the parsed lib and guest files kept across builds (the next check is a cold one). */
export function clearTypecheckCache(): void {
  sharedSourceFiles.clear();
  sharedTexts.clear();
}

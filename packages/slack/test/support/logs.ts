/** Captures everything written to stdout/stderr (where the Powertools Logger writes). */
import { vi } from 'vitest';

export interface CapturedLogs {
  lines(): string[];
  restore(): void;
}

export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const capture = (chunk: unknown): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { NewHistoryEntry } from '../../../src/history/store/entry';

/** A fresh temp folder per test, removed afterwards. */
export function useTempFolder(): { readonly path: string } {
  const holder = { path: '' };
  beforeEach(() => {
    holder.path = mkdtempSync(path.join(tmpdir(), 'animatediff-history-'));
  });
  afterEach(() => {
    rmSync(holder.path, { recursive: true, force: true });
  });
  return holder;
}

export function newEntry(prompt: string, extra: Partial<NewHistoryEntry> = {}): NewHistoryEntry {
  return {
    endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
    input: { prompt, num_frames: 16, video_size: 'square' },
    source: { kind: 'prompt' },
    ...extra,
  };
}

/** The pid of a process that has exited (for entries left by a window that is gone). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  if (child.pid === undefined) {
    throw new Error('could not start a child process');
  }
  return child.pid;
}

export function filesIn(folder: string): string[] {
  try {
    return readdirSync(folder).sort();
  } catch {
    return [];
  }
}

import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import type { HistoryEntry } from './store/entry';
import type { HistoryStore } from './store/historyStore';
import type { GenerationRecord } from '../generation/generationService';
import { toGenerationView, type GenerationLookup } from '../panel/resultActions';
import type { GenerationSummary } from '../panel/videoPanel';
import { recordOf } from './records';

/**
 * Finished generations by id, from the history: what the panel's actions and its restore after a reload look up.
 * The panel plays the history's local copy when there is one, else a copy saved next to a parameter file, else
 * fal's URL. Records remembered in this window also stay findable should the history be unavailable.
 */
export class HistoryLookup implements GenerationLookup {
  private readonly savedCopies = new Map<string, vscode.Uri>();
  private readonly inMemory = new Map<string, GenerationRecord>();

  constructor(
    private readonly current: () => HistoryStore | undefined,
    private readonly ready: () => Promise<HistoryStore | undefined>,
  ) {}

  /** A record of this window (and, for a parameter file run, the copy saved beside the file). */
  remember(record: GenerationRecord, savedCopy?: vscode.Uri): void {
    this.inMemory.set(record.id, record);
    if (savedCopy) {
      this.savedCopies.set(record.id, savedCopy);
    }
  }

  get(id: string): GenerationRecord | undefined {
    const entry = this.current()?.get(id);
    return (entry ? recordOf(entry) : undefined) ?? this.inMemory.get(id);
  }

  videoUri(record: GenerationRecord): vscode.Uri {
    return this.localCopy(record.id) ?? this.savedCopies.get(record.id) ?? vscode.Uri.parse(record.videoUrl, true);
  }

  /** The history's local copy of an entry's video, if it is on disk. */
  localCopy(id: string): vscode.Uri | undefined {
    const store = this.current();
    const entry: HistoryEntry | undefined = store?.get(id);
    const file = entry && store ? store.videoPath(entry) : undefined;
    return file && existsSync(file) ? vscode.Uri.file(file) : undefined;
  }

  /** For the video panel: after a reload it asks before the history has opened. */
  async resolveGeneration(id: string): Promise<{ view: GenerationSummary; video: vscode.Uri } | undefined> {
    await this.ready();
    const record = this.get(id);
    return record ? { view: toGenerationView(record), video: this.videoUri(record) } : undefined;
  }
}

import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import type { HistoryEntry } from './store/entry';
import type { HistoryStore } from './store/historyStore';
import type { GenerationRecord } from '../model/generation';
import { toGenerationView, type GenerationSummary } from '../panel/generationView';
import { chooseVideo, type VideoCopies } from '../panel/presenter';
import type { GenerationLookup } from '../panel/resultActions';
import { recordOf } from './records';

/**
 * Finished generations by id, from the history: what the panel's actions and its restore after a reload look up,
 * and where their videos are. Records remembered in this window also stay findable should the history be unavailable.
 */
export class HistoryResults implements GenerationLookup, VideoCopies {
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

  /** The video the panel plays (see {@link chooseVideo}). */
  videoUri(record: GenerationRecord): vscode.Uri {
    return chooseVideo(record, this);
  }

  savedCopy(id: string): vscode.Uri | undefined {
    return this.savedCopies.get(id);
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

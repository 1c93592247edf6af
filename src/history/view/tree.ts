import * as vscode from 'vscode';
import type { HistoryEntry } from '../store/entry';
import type { HistoryStore } from '../store/historyStore';
import { Disposable } from '../../util/dispose';
import { seedOf } from '../../model/generation';
import { oneLine } from '../../util/text';
import {
  durationMs, entryAccessibilityLabel, entryDescription, entryLabel, errorText, formatBytes, formatDateTime, formatDuration, matchesFilter, priceText, promptOf, sizeOf, sourceText, statusText,
} from './format';
import { HISTORY_COMMANDS, HISTORY_CONTEXT, HISTORY_ITEM_CONTEXT_PREFIX } from '../ids';
import type { HistoryViewBackend } from './deferredHistoryView';
import { canFollowAgain } from '../records';
import { formatNumber } from '../../l10n/l10n';

const TICK_MS = 1000;
/** Relative times ("3 min ago") are refreshed this often; running items every tick. */
const RELATIVE_TIME_TICKS = 30;
/** Rows shown at first, and added by each "Show More": a long history is not sent to the view whole. */
export const HISTORY_PAGE_SIZE = 200;
/** The element of the last row when there are more entries than shown (entry ids never contain a space). */
export const SHOW_MORE_ELEMENT = 'show more';

const STATUS_ICONS: Record<HistoryEntry['status'], vscode.ThemeIcon> = {
  submitting: new vscode.ThemeIcon('cloud-upload'),
  queued: new vscode.ThemeIcon('clock'),
  running: new vscode.ThemeIcon('sync~spin'),
  done: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash'),
};

export interface HistoryTreeDeps {
  current(): HistoryStore | undefined;
  ready(): Promise<HistoryStore | undefined>;
  /** Whether the entry has a video to play or save (a local copy, or fal's URL). */
  hasVideo(entry: HistoryEntry): boolean;
  /** The poster frame beside the entry's local copy, when one was made. */
  posterOf(entry: HistoryEntry): vscode.Uri | undefined;
}

/**
 * The History view: every generation newest first, filtered by text. Items are entry ids. Running items and
 * relative times update while the view is visible.
 */
export class HistoryTree extends Disposable implements vscode.TreeDataProvider<string>, HistoryViewBackend {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<string | string[] | undefined | void>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private view: vscode.TreeView<string> | undefined;
  private filterText = '';
  private ticker: NodeJS.Timeout | undefined;
  private ticks = 0;
  private pendingIds = new Set<string>();
  private pendingAll = false;
  private flushScheduled = false;
  private shownLimit = HISTORY_PAGE_SIZE;

  constructor(private readonly deps: HistoryTreeDeps) {
    super();
    this._register({ dispose: () => this.stopTicker() });
  }

  get provider(): vscode.TreeDataProvider<string> {
    return this;
  }

  get filter(): string {
    return this.filterText;
  }

  attach(view: vscode.TreeView<string>): void {
    this.view = view;
    this._register(view.onDidChangeVisibility(() => this.updateTicker()));
    this.applyFilterPresentation();
    this.updateTicker();
  }

  /** Shows only entries matching every word of `text`; empty clears the filter. */
  setFilter(text: string): void {
    this.filterText = oneLine(text);
    this.shownLimit = HISTORY_PAGE_SIZE;
    this.applyFilterPresentation();
    this.refresh('all');
  }

  /** Entries changed (ids), or the list itself did (`all`: added, deleted, re-read). */
  refresh(ids: readonly string[] | 'all'): void {
    if (ids === 'all') {
      this.pendingAll = true;
    } else {
      ids.forEach((id) => this.pendingIds.add(id));
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Bursts of changes (a job's state, its log lines) become one refresh.
      setTimeout(() => this.flushRefresh(), 50);
    }
    this.updateTicker();
  }

  /** Shows the next page of older entries. */
  showMore(): void {
    this.shownLimit += HISTORY_PAGE_SIZE;
    this.refresh('all');
  }

  /** Selects and shows an entry in the view (clearing a filter that hides it). */
  async reveal(id: string): Promise<void> {
    const entry = this.deps.current()?.get(id);
    if (!entry || !this.view) {
      return;
    }
    if (!matchesFilter(entry, this.filterText)) {
      this.setFilter('');
      this.flushRefresh();
    }
    const position = this.deps.current()?.ids().indexOf(id) ?? -1;
    if (this.filterText === '' && position >= this.shownLimit) {
      this.shownLimit = (Math.floor(position / HISTORY_PAGE_SIZE) + 1) * HISTORY_PAGE_SIZE;
      this.pendingAll = true;
      this.flushRefresh();
    }
    await this.view.reveal(id, { select: true, focus: true });
  }

  /** Ids the user selected in the view. */
  get selection(): readonly string[] {
    return this.view?.selection ?? [];
  }

  async getChildren(element?: string): Promise<string[]> {
    if (element !== undefined) {
      return [];
    }
    const store = await this.deps.ready();
    if (!store) {
      return [];
    }
    // Without a filter only the shown page is parsed (by getTreeItem); a filter reads every entry.
    const ids = this.filterText === '' ? store.ids() : store.list().filter((entry) => matchesFilter(entry, this.filterText)).map((entry) => entry.id);
    return ids.length > this.shownLimit ? [...ids.slice(0, this.shownLimit), SHOW_MORE_ELEMENT] : [...ids];
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(id: string): vscode.TreeItem {
    if (id === SHOW_MORE_ELEMENT) {
      return this.showMoreItem();
    }
    const entry = this.deps.current()?.get(id);
    if (!entry) {
      const gone = new vscode.TreeItem(vscode.l10n.t('(deleted)'));
      gone.id = id;
      return gone;
    }
    const now = Date.now();
    const item = new vscode.TreeItem(entryLabel(entry), vscode.TreeItemCollapsibleState.None);
    item.id = entry.id;
    const description = entryDescription(entry, now, vscode.env.language);
    item.description = description;
    const playable = entry.status === 'done' && this.deps.hasVideo(entry);
    item.iconPath = (playable ? this.deps.posterOf(entry) : undefined) ?? STATUS_ICONS[entry.status];
    item.contextValue = `${HISTORY_ITEM_CONTEXT_PREFIX}.${entry.status}${playable ? '.video' : ''}${canFollowAgain(entry) ? '.followable' : ''}`;
    item.command = playable
      ? { command: HISTORY_COMMANDS.open, title: vscode.l10n.t('Open Video'), arguments: [entry.id] }
      : { command: HISTORY_COMMANDS.openLog, title: vscode.l10n.t('Open Log'), arguments: [entry.id] };
    item.accessibilityInformation = { label: entryAccessibilityLabel(entry, description) };
    return item;
  }

  /** The tooltip, made when the user hovers a row (not for every row the view lists). */
  resolveTreeItem(item: vscode.TreeItem, id: string): vscode.TreeItem {
    const entry = id === SHOW_MORE_ELEMENT ? undefined : this.deps.current()?.get(id);
    if (entry) {
      item.tooltip = this.tooltipOf(entry, Date.now());
    }
    return item;
  }

  private showMoreItem(): vscode.TreeItem {
    const store = this.deps.current();
    const total = this.filterText === '' ? store?.size ?? 0 : undefined;
    const item = new vscode.TreeItem(vscode.l10n.t('Show More…'), vscode.TreeItemCollapsibleState.None);
    item.id = SHOW_MORE_ELEMENT;
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.description = total !== undefined ? vscode.l10n.t('{0} older', Math.max(0, total - this.shownLimit)) : undefined;
    item.tooltip = vscode.l10n.t('Show {0} more generations', HISTORY_PAGE_SIZE);
    item.command = { command: HISTORY_COMMANDS.showMore, title: vscode.l10n.t('Show More') };
    return item;
  }

  private tooltipOf(entry: HistoryEntry, now: number): vscode.MarkdownString {
    const tooltip = new vscode.MarkdownString('', true);
    const poster = entry.status === 'done' ? this.deps.posterOf(entry) : undefined;
    if (poster) {
      // A name relative to baseUri (resolved against the poster's folder): the hover loads local images that way.
      tooltip.baseUri = poster;
      tooltip.appendMarkdown(`![](${encodeURIComponent(poster.path.slice(poster.path.lastIndexOf('/') + 1))})\n\n`);
    }
    tooltip.appendText(oneLine(promptOf(entry)) || vscode.l10n.t('(no prompt)'));
    const negative = entry.input.negative_prompt;
    if (negative && negative.trim() !== '') {
      tooltip.appendMarkdown(`\n\n*${vscode.l10n.t('Negative:')}* `);
      tooltip.appendText(oneLine(negative));
    }
    tooltip.appendMarkdown('\n\n---\n\n');
    const rows: Array<[string, string]> = [];
    const duration = durationMs(entry, now);
    const inference = entry.timings.inferenceSeconds;
    const took = duration === undefined
      ? undefined
      : inference === undefined ? formatDuration(duration) : vscode.l10n.t('{0}, inference {1} s', formatDuration(duration), formatNumber(inference, vscode.env.language, 1));
    rows.push([vscode.l10n.t('Status'), took === undefined ? statusText(entry) : vscode.l10n.t('{0} ({1})', statusText(entry), took)]);
    if (entry.error) {
      rows.push([entry.status === 'done' ? vscode.l10n.t('Note') : vscode.l10n.t('Error'), errorText(entry) ?? '']);
    }
    const seed = seedOf(entry);
    rows.push([vscode.l10n.t('Seed'), seed !== undefined ? String(seed) : vscode.l10n.t('random (fal has not reported it)')]);
    const size = sizeOf(entry);
    rows.push([vscode.l10n.t('Size'), `${size.width}×${size.height}`]);
    const { input } = entry;
    const numbers: Array<[string, number | undefined]> = [
      [vscode.l10n.t('Frames'), input.num_frames],
      [vscode.l10n.t('FPS'), input.fps],
      [vscode.l10n.t('Steps'), input.num_inference_steps],
      [vscode.l10n.t('Guidance'), input.guidance_scale],
    ];
    for (const [label, value] of numbers) {
      if (value !== undefined) {
        rows.push([label, formatNumber(value, vscode.env.language)]);
      }
    }
    if (input.motions && input.motions.length > 0) {
      rows.push([vscode.l10n.t('Motions'), input.motions.join(', ')]);
    }
    rows.push([vscode.l10n.t('Created'), formatDateTime(entry.createdAt, vscode.env.language)]);
    rows.push([vscode.l10n.t('From'), sourceText(entry)]);
    rows.push([vscode.l10n.t('Endpoint'), entry.endpoint]);
    if (entry.requestId) {
      rows.push([vscode.l10n.t('Request id'), entry.requestId]);
    }
    const price = priceText(entry);
    if (price) {
      rows.push([vscode.l10n.t('Price'), price]);
    }
    if (entry.video) {
      rows.push([vscode.l10n.t('Local copy'), formatBytes(entry.video.bytes, vscode.env.language)]);
    } else if (entry.videoPruned) {
      rows.push([vscode.l10n.t('Local copy'), vscode.l10n.t('deleted to stay within the history limits (Re-run makes it again)')]);
    }
    for (const [label, value] of rows) {
      tooltip.appendMarkdown(`**${label}:** `);
      tooltip.appendText(value);
      tooltip.appendMarkdown('  \n');
    }
    return tooltip;
  }

  private applyFilterPresentation(): void {
    if (this.view) {
      this.view.description = this.filterText ? vscode.l10n.t('Filter: {0}', this.filterText) : undefined;
      this.updateFilterMessage();
    }
    void vscode.commands.executeCommand('setContext', HISTORY_CONTEXT.filtered, this.filterText !== '');
  }

  /** Also in the view's body: as the only view of its container, its header (and description) is not shown. */
  private updateFilterMessage(): void {
    if (!this.view) {
      return;
    }
    if (!this.filterText) {
      this.view.message = undefined;
      return;
    }
    const all = this.deps.current()?.list() ?? [];
    const shown = all.filter((entry) => matchesFilter(entry, this.filterText)).length;
    this.view.message = shown > 0 ? vscode.l10n.t('Filtered by “{0}”: {1} of {2}', this.filterText, shown, all.length) : undefined;
  }

  private flushRefresh(): void {
    this.flushScheduled = false;
    this.updateFilterMessage();
    // With a filter, a changed entry may start or stop matching: show the list anew.
    if (this.pendingAll || (this.filterText !== '' && this.pendingIds.size > 0)) {
      this.pendingAll = false;
      this.pendingIds.clear();
      this.changeEmitter.fire();
      return;
    }
    const ids = [...this.pendingIds];
    this.pendingIds.clear();
    if (ids.length > 0) {
      this.changeEmitter.fire(ids);
    }
  }

  private updateTicker(): void {
    const wanted = this.view?.visible === true && (this.deps.current()?.size ?? 0) > 0;
    if (wanted && !this.ticker) {
      this.ticker = setInterval(() => this.tick(), TICK_MS);
    } else if (!wanted) {
      this.stopTicker();
    }
  }

  private stopTicker(): void {
    if (this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private tick(): void {
    this.ticks += 1;
    if (this.ticks % RELATIVE_TIME_TICKS === 0) {
      this.refresh('all');
      return;
    }
    const running = (this.deps.current()?.unfinishedEntries() ?? []).filter((entry) => matchesFilter(entry, this.filterText));
    if (running.length > 0) {
      this.refresh(running.map((entry) => entry.id));
    }
  }
}

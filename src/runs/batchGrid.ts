import type * as vscode from 'vscode';
import { jobProgressText } from '../generation/jobText';
import { l10n } from '../l10n/l10n';
import type { GenerationService } from '../generation/generationService';
import type { GenerationRequest } from '../model/generation';
import type { VideoPanelManager } from '../panel/videoPanel';
import type { GridItemInput } from '../panel/panelContent';

/** Grid updates within this long become one message to the panel. */
const UPDATE_DELAY_MS = 100;

/**
 * A batch's videos as a grid in the video panel, filled in as they finish; each running tile says where its job is.
 * A panel the user closes during the batch stays closed until the batch is done (then it shows the results).
 * A single video shows no grid.
 */
export class BatchGrid implements vscode.Disposable {
  private readonly items: GridItemInput[];
  private readonly requestIndex = new Map<GenerationRequest, number>();
  private readonly subscriptions: vscode.Disposable[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private panelClosed = false;

  constructor(
    private readonly panels: VideoPanelManager,
    service: GenerationService,
    private readonly title: string,
    labels: readonly string[],
    private readonly visible: boolean,
  ) {
    this.items = labels.map((label) => ({ state: 'running', label, detail: l10n.t('Waiting for a free slot…') }));
    this.subscriptions = [
      panels.onDidClose(() => {
        this.panelClosed = true;
      }),
      service.onDidChangeJobs(() => {
        for (const job of service.runningJobs) {
          const index = this.requestIndex.get(job.request);
          if (index !== undefined) {
            this.setRunning(index, jobProgressText(job));
          }
        }
      }),
    ];
    this.show(true);
  }

  /** The tile at `index` follows this request's job from now on. */
  follow(request: GenerationRequest, index: number): void {
    this.requestIndex.set(request, index);
  }

  /** What a tile that is still running says. */
  setRunning(index: number, detail: string): void {
    const item = this.items[index];
    if (item.state === 'running' && item.detail !== detail) {
      this.items[index] = { state: 'running', label: item.label, detail };
      this.show();
    }
  }

  set(index: number, item: GridItemInput): void {
    this.items[index] = item;
    this.show();
  }

  /** The batch is over: tiles still running never started (`reasonOf` says why); the grid shows, closed or not. */
  finish(reasonOf: (index: number) => string): void {
    this.items.forEach((item, index) => {
      if (item.state === 'running') {
        this.items[index] = { state: 'failed', label: item.label, reason: reasonOf(index) };
      }
    });
    this.show(true, true);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscriptions.forEach((subscription) => subscription.dispose());
  }

  private show(now = false, final = false): void {
    if (!this.visible) {
      return;
    }
    clearTimeout(this.timer);
    if (this.panelClosed && !final) {
      return;
    }
    if (now) {
      this.panels.showGrid(this.title, this.items);
    } else {
      this.timer = setTimeout(() => {
        if (!this.panelClosed) {
          this.panels.showGrid(this.title, this.items);
        }
      }, UPDATE_DELAY_MS);
    }
  }
}

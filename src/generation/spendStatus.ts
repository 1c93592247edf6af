import * as vscode from 'vscode';
import { totalsText } from '../model/price';
import { Disposable } from '../util/dispose';
import type { GenerationService } from './generationService';

/**
 * A status bar item saying how many paid fal jobs this window has started since it opened, and what they are
 * expected to cost at fal's listed prices (hidden until one).
 */
export class SpendStatus extends Disposable {
  readonly item: vscode.StatusBarItem;

  constructor(private readonly service: GenerationService) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('animateDiff.spend', vscode.StatusBarAlignment.Left, 9));
    this.item.name = 'AnimateDiff Spending';
    this.item.command = 'animateDiff.showLog';
    this._register(service.onDidChangeJobs(() => this.update()));
    this.update();
  }

  update(): void {
    const count = this.service.paidJobsStarted;
    if (count === 0) {
      this.item.hide();
      return;
    }
    const videos = count === 1 ? '1 video' : `${count} videos`;
    const spending = this.service.spending;
    // Prices arrive just after the job is accepted; until then only the count is shown.
    const money = spending.videos > 0 ? totalsText(spending) : undefined;
    this.item.text = `$(credit-card) ${videos}${money ? ` · ${money}` : ''}`;
    this.item.tooltip = `${videos} sent to fal from this window since it opened; fal bills each.`
      + (money ? ` Expected total at fal's listed prices: ${money}.` : '')
      + ' Click for the log.';
    this.item.accessibilityInformation = { label: `AnimateDiff: ${videos} sent to fal from this window${money ? `, expected total ${money}` : ''}` };
    this.item.show();
  }
}

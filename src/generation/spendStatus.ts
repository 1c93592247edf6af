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
    this.item.name = vscode.l10n.t('AnimateDiff Spending');
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
    const videos = count === 1 ? vscode.l10n.t('1 video') : vscode.l10n.t('{0} videos', count);
    const spending = this.service.spending;
    // Prices arrive just after the job is accepted; until then only the count is shown.
    const money = spending.videos > 0 ? totalsText(spending) : undefined;
    this.item.text = `$(credit-card) ${videos}${money ? ` · ${money}` : ''}`;
    this.item.tooltip = money
      ? vscode.l10n.t('{0} sent to fal from this window since it opened; fal bills each. Expected total at fal\'s listed prices: {1}. Click for the log.', videos, money)
      : vscode.l10n.t('{0} sent to fal from this window since it opened; fal bills each. Click for the log.', videos);
    this.item.accessibilityInformation = {
      label: money
        ? vscode.l10n.t('AnimateDiff: {0} sent to fal from this window, expected total {1}', videos, money)
        : vscode.l10n.t('AnimateDiff: {0} sent to fal from this window', videos),
    };
    this.item.show();
  }
}

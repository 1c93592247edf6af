import * as vscode from 'vscode';
import { readSettings } from '../../config/reader';
import { readGenerationDefaults } from '../../config/settings';
import { chargeSentence, chargeText, type Charge, type PricedRequest } from '../../model/price';
import { BUILT_IN_DEFAULTS } from '../../model/request';
import type { ParamsFile } from '../fileSchema';
import { buildRequestsFromParams } from '../requests';
import { paramsCheck } from '../checkLoader';
import { Disposable } from '../../util/dispose';
import type { ParamsDiagnostics } from './paramsDiagnostics';

/** Progress of a running file, for its CodeLens. */
export interface RunProgress {
  total: number;
  finished: number;
}

/** Where the lenses learn that a file is running (the parameter-file runs). */
export interface RunProgressSource {
  progressOf(uri: vscode.Uri): RunProgress | undefined;
  readonly onDidChangeRuns: vscode.Event<void>;
}

/** Where the lenses learn what a run is expected to cost (fal's prices, asked once and kept a while). */
export interface LensPriceSource {
  /** The charge from prices already known; undefined while they are asked for ({@link onDidChange} fires then). */
  peekCharge(requests: readonly PricedRequest[]): Charge | undefined;
  readonly onDidChange: vscode.Event<void>;
}

export const PARAMS_COMMANDS = {
  generate: 'animateDiff.generateFromParamsFile',
  dryRun: 'animateDiff.dryRunParamsFile',
  copyDryRunAsCode: 'animateDiff.copyDryRunAsCode',
  newFile: 'animateDiff.newParamsFile',
  saveParameters: 'animateDiff.saveParameters',
  cancel: 'animateDiff.cancelParamsFileRun',
  showProblem: 'animateDiff.showParamsProblem',
} as const;

/** How many videos a valid file asks for: its seed list, its `variations`, or one. */
export function videoCount(params: ParamsFile): number {
  if (Array.isArray(params.seed)) {
    return params.seed.length;
  }
  return params.variations ?? 1;
}

/**
 * The lenses above a parameter file's object: "▶ Generate" (or "▶ Generate N variations") and "Dry run" for a
 * valid file; for a file with errors one lens that says so and goes to the first; while it runs, its progress
 * and Cancel.
 */
export class ParamsCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(private readonly diagnostics: ParamsDiagnostics, private readonly runs: RunProgressSource, private readonly prices?: LensPriceSource) {
    super();
    this._register(diagnostics.onDidUpdate(() => this.changeEmitter.fire()));
    this._register(runs.onDidChangeRuns(() => this.changeEmitter.fire()));
    if (prices) {
      this._register(prices.onDidChange(() => this.changeEmitter.fire()));
    }
  }

  /** Asks VS Code for the lenses again (it drops a pending refresh when the editor loses focus). */
  refresh(): void {
    this.changeEmitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    // The line of the object's opening brace (the first line when the text is not an object yet).
    const start = document.positionAt(paramsCheck().objectStartOffset(document.getText()));
    const range = new vscode.Range(start, start);
    const lens = (title: string, command: string, ...args: unknown[]) => new vscode.CodeLens(range, { title, command, arguments: args });
    const progress = this.runs.progressOf(document.uri);
    if (progress) {
      const generating = progress.total > 1
        ? vscode.l10n.t('Generating — {0} of {1} done…', progress.finished, progress.total)
        : vscode.l10n.t('Generating…');
      return [
        // An empty command id makes a lens plain text.
        lens(`$(sync~spin) ${generating}`, ''),
        lens(vscode.l10n.t('Cancel'), PARAMS_COMMANDS.cancel, document.uri),
      ];
    }
    const validation = this.diagnostics.peekValidation(document);
    if (!validation.params) {
      const errors = validation.errorCount;
      const title = errors === 1
        ? vscode.l10n.t('⚠ 1 error — fix it to generate (go to the first)')
        : vscode.l10n.t('⚠ {0} errors — fix them to generate (go to the first)', errors);
      return [lens(title, PARAMS_COMMANDS.showProblem, document.uri)];
    }
    const count = videoCount(validation.params);
    if (count === 1) {
      return [lens(vscode.l10n.t('▶ Generate'), PARAMS_COMMANDS.generate, document.uri), lens(vscode.l10n.t('Dry run'), PARAMS_COMMANDS.dryRun, document.uri)];
    }
    // Several paid videos from one click: the lens says what they are expected to cost, once fal has said.
    const charge = this.prices?.peekCharge(this.requestsOf(validation.params));
    const generate = new vscode.CodeLens(range, {
      title: charge
        ? vscode.l10n.t('▶ Generate {0} variations · {1}', count, chargeText(charge))
        : vscode.l10n.t('▶ Generate {0} variations', count),
      command: PARAMS_COMMANDS.generate,
      arguments: [document.uri],
      ...(charge ? { tooltip: chargeSentence(charge) } : {}),
    });
    return [generate, lens(vscode.l10n.t('Dry run'), PARAMS_COMMANDS.dryRun, document.uri)];
  }

  /** What a run of the file would send, for its price (the seeds do not change it). */
  private requestsOf(params: ParamsFile): PricedRequest[] {
    const defaults = readGenerationDefaults(readSettings());
    return buildRequestsFromParams(params, defaults.ok ? defaults.defaults : BUILT_IN_DEFAULTS, () => 0)
      .map((request) => ({ endpoint: request.endpoint, input: request.input }));
  }
}


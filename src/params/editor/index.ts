import * as vscode from 'vscode';
import { Disposable } from '../../util/dispose';
import { ParamsCodeActionProvider } from './paramsCodeActions';
import { ParamsCodeLensProvider, type LensPriceSource, type RunProgressSource } from './paramsCodeLens';
import type { ParamsDiagnostics } from './paramsDiagnostics';
import { PARAMS_DOCUMENT_SELECTOR } from './paramsDocuments';

/**
 * What `.animate.json` files get in the editor besides their problems (ParamsDiagnostics): quick fixes and the
 * Generate / Dry run lenses, which show a running file's progress. Created with the core, which activation loads
 * as soon as a parameter file is opened.
 */
export class ParamsEditorFeatures extends Disposable {
  private readonly lenses: ParamsCodeLensProvider;

  constructor(readonly diagnostics: ParamsDiagnostics, runs: RunProgressSource, prices?: LensPriceSource) {
    super();
    this.lenses = this._register(new ParamsCodeLensProvider(diagnostics, runs, prices));
    this._register(vscode.languages.registerCodeLensProvider(PARAMS_DOCUMENT_SELECTOR, this.lenses));
    this._register(vscode.languages.registerCodeActionsProvider(
      PARAMS_DOCUMENT_SELECTOR,
      new ParamsCodeActionProvider(diagnostics),
      ParamsCodeActionProvider.metadata,
    ));
  }

  /** Brings the lenses up to date, e.g. after a lens that was out of date was clicked. */
  refreshLenses(): void {
    this.lenses.refresh();
  }
}

import * as vscode from 'vscode';
import type { ParamTextEdit } from '../diagnostics';
import { DIAGNOSTIC_SOURCE, type ParamsDiagnostics } from './paramsDiagnostics';

/** Quick fixes for the problems of a parameter file, straight from the fixes the validator proposed. */
export class ParamsCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: ParamsDiagnostics) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) {
      return [];
    }
    // Fixes are offsets into the text the problems were found in: bring them up to this version first
    // (problems VS Code still shows from before an edit then match nothing and offer no stale fix).
    this.diagnostics.validationOf(document);
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      // Syntax errors are shown by VS Code's JSON support, not twice: the fixes go on its diagnostics.
      const fixes = diagnostic.source === DIAGNOSTIC_SOURCE
        ? this.diagnostics.fixesFor(document.uri, diagnostic)
        : this.diagnostics.syntaxFixesFor(document.uri, diagnostic);
      for (const fix of fixes) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.isPreferred = fix.preferred === true;
        action.edit = toWorkspaceEdit(document, fix.edits);
        actions.push(action);
      }
    }
    return actions;
  }
}

function toWorkspaceEdit(document: vscode.TextDocument, edits: readonly ParamTextEdit[]): vscode.WorkspaceEdit {
  const workspaceEdit = new vscode.WorkspaceEdit();
  for (const edit of edits) {
    const range = new vscode.Range(document.positionAt(edit.offset), document.positionAt(edit.offset + edit.length));
    workspaceEdit.replace(document.uri, range, edit.newText);
  }
  return workspaceEdit;
}

import * as vscode from 'vscode';
import type { Command } from '../util/commandManager';

/** `contributes.walkthroughs[].id` in package.json. */
export const WALKTHROUGH_ID = 'getStarted';

/**
 * "AnimateDiff: Get Started" opens the walkthrough (set the key → a video from a selection → a parameter file
 * with variations → the History). VS Code opens it by itself once, right after the extension is installed; the
 * extension never opens it on its own, so it does not appear twice.
 */
export class GetStartedCommand implements Command {
  readonly id = 'animateDiff.getStarted';

  /** `extensionId`: `<publisher>.<name>`, as VS Code prefixes the walkthrough's id with it. */
  constructor(private readonly extensionId: string) {}

  /** Returns the walkthrough's full id. */
  async execute(): Promise<string> {
    const walkthrough = `${this.extensionId}#${WALKTHROUGH_ID}`;
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthrough, false);
    return walkthrough;
  }
}

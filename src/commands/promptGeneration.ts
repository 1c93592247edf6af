import * as vscode from 'vscode';
import { readGenerationDefaults } from '../config/settings';
import { buildTextToVideoInput } from '../model/request';
import type { GenerationService } from '../generation/generationService';
import type { GenerationOutcome, GenerationSourceKind } from '../model/generation';
import type { Interaction } from '../ui/interaction';
import { readSettings } from '../config/reader';

/** Generates from a prompt with the user's `animateDiff.defaults.*`; an invalid setting is named, nothing is sent. */
export async function generateFromPrompt(
  service: GenerationService,
  interaction: Interaction,
  prompt: string,
  source: GenerationSourceKind,
): Promise<GenerationOutcome> {
  const defaults = readGenerationDefaults(readSettings());
  if (!defaults.ok) {
    const choice = await interaction.error(`${defaults.problems.map((p) => p.message).join(' ')} Your prompt was not sent.`, 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', defaults.problems[0].setting);
    }
    return { kind: 'notStarted', reason: 'invalid settings' };
  }
  const input = buildTextToVideoInput(prompt, defaults.defaults);
  return service.generate({ input: { ...input }, source: { kind: source, file: vscode.window.activeTextEditor?.document.uri.toString() } });
}

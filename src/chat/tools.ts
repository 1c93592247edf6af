import * as vscode from 'vscode';
import { chargeSentence, chargeText, type Charge } from '../model/price';
import { shorten } from '../util/text';
import type { LanguageModelToolLike, ModernApi, PreparedToolInvocationLike, ToolResultLike } from './modernApi';
import { toolResult } from './modernApi';
import { writeParamsFile } from './paramsFileWriting';
import { checkInput, paramsFileInputSchema, videoCountOf } from './videoInput';
import { planVideos, type MadeVideo, type VideoRuns } from './videoRuns';

/** What {@link GenerateVideoTool.invoke} tells the agent, besides a sentence. */
export interface GenerateVideoReport {
  videos: Array<{ requestId: string; seed: number | null; localPath: string | null; videoUrl: string; price: string | null }>;
  notMade: Array<{ label: string; reason: string }>;
  expectedCharge: string | null;
}

/** For the agent (model-facing text stays English). */
function count(videos: number): string {
  return videos === 1 ? '1 video' : `${videos} videos`;
}

/** Refusals an agent can act on: what is wrong, and that nothing was spent. */
export class ToolInputError extends Error {
  constructor(problems: readonly string[]) {
    super(`The input was refused (nothing was sent to fal, nothing was spent): ${problems.join('; ')}.`);
    this.name = 'ToolInputError';
  }
}

/**
 * `animatediff_generateVideo`: an agent makes a short video. VS Code asks the user first with the question this tool
 * prepares — how many videos, which endpoint, what fal is expected to charge — and the run goes through the same
 * session and service as every other generation (Restricted Mode still asks; history, panel and cancel work).
 */
export class GenerateVideoTool implements LanguageModelToolLike<unknown> {
  constructor(private readonly api: ModernApi, private readonly runs: VideoRuns) {}

  async prepareInvocation(options: { input: unknown }): Promise<PreparedToolInvocationLike> {
    const planned = planVideos(options.input, 'Agent');
    if (!planned.ok) {
      // Nothing will be spent: invoke refuses the input and says why.
      return { invocationMessage: vscode.l10n.t('Checking the video request') };
    }
    const { plan } = planned;
    const charge = await this.runs.quote(plan);
    return {
      invocationMessage: plan.requests.length === 1
        ? vscode.l10n.t('Generating 1 video with fal ({0})', chargeText(charge))
        : vscode.l10n.t('Generating {0} videos with fal ({1})', plan.requests.length, chargeText(charge)),
      confirmationMessages: { title: vscode.l10n.t('Generate with fal.ai?'), message: confirmationText(plan.input.prompt, plan.requests.length, plan.endpoint, charge) },
    };
  }

  async invoke(options: { input: unknown }, token: vscode.CancellationToken): Promise<ToolResultLike> {
    const planned = planVideos(options.input, 'Agent');
    if (!planned.ok) {
      throw new ToolInputError(planned.problems);
    }
    // VS Code asked the user with the tool's confirmation (price included); Restricted Mode asks again, as always.
    const outcome = await this.runs.run(planned.plan, { confirm: false, label: 'Agent', token });
    if (outcome.kind === 'notStarted') {
      return toolResult(this.api, [`No video was generated: ${outcome.reason}.`]);
    }
    const report: GenerateVideoReport = {
      videos: outcome.made.map((video) => reportOf(video)),
      notMade: outcome.failures.map(({ label, reason }) => ({ label, reason })),
      expectedCharge: outcome.charge ? chargeText(outcome.charge) : null,
    };
    const where = outcome.made.length === 0
      ? ''
      : ` ${outcome.made.length === 1 ? 'The video is' : 'The videos are'} at ${outcome.made.map((video) => video.localPath ?? video.videoUrl).join(', ')}`
        + ` (MP4, ${planned.plan.requests[0]?.input.num_frames ?? '?'} frames at ${planned.plan.requests[0]?.input.fps ?? '?'} fps); it is shown in the AnimateDiff panel and kept in its History.`;
    return toolResult(this.api, [`${outcome.summary}${where}`, JSON.stringify(report)]);
  }
}

function reportOf(video: MadeVideo): GenerateVideoReport['videos'][number] {
  return {
    requestId: video.requestId,
    seed: video.seed,
    localPath: video.localPath ?? null,
    videoUrl: video.videoUrl,
    price: video.charge ? chargeText(video.charge) : null,
  };
}

/** The question VS Code shows before the tool runs: the count, the endpoint and the expected price. */
export function confirmationText(prompt: string, videos: number, endpoint: string, charge: Charge): vscode.MarkdownString {
  const text = new vscode.MarkdownString();
  const where = `\`${endpoint}\``;
  const price = `**${chargeText(charge)}**`;
  text.appendMarkdown(`${videos === 1
    ? vscode.l10n.t('Generate {0} with {1} on fal.ai — {2}.', `**${vscode.l10n.t('1 video')}**`, where, price)
    : vscode.l10n.t('Generate {0} with {1} on fal.ai — {2}.', `**${vscode.l10n.t('{0} videos', videos)}**`, where, price)}\n\n`);
  text.appendText(chargeSentence(charge));
  text.appendMarkdown(`\n\n${vscode.l10n.t('Prompt:')} `);
  text.appendText(`“${shorten(prompt, 300)}”`);
  return text;
}

/** `animatediff_writeParameterFile`: writes a `.animate.json` from a description; nothing is sent, nothing is spent. */
export class WriteParameterFileTool implements LanguageModelToolLike<unknown> {
  constructor(private readonly api: ModernApi) {}

  async prepareInvocation(options: { input: unknown }): Promise<PreparedToolInvocationLike> {
    const checked = checkInput(paramsFileInputSchema, options.input);
    return {
      invocationMessage: checked.ok
        ? vscode.l10n.t('Writing a parameter file for “{0}” (nothing is spent)', shorten(checked.value.prompt, 60))
        : vscode.l10n.t('Checking the parameter file request'),
    };
  }

  async invoke(options: { input: unknown }): Promise<ToolResultLike> {
    const checked = checkInput(paramsFileInputSchema, options.input);
    if (!checked.ok) {
      throw new ToolInputError(checked.problems);
    }
    const written = await writeParamsFile(checked.value);
    if (!written.ok) {
      throw new Error(written.problem);
    }
    const relative = vscode.workspace.asRelativePath(written.uri, false);
    const videos = videoCountOf(checked.value);
    return toolResult(this.api, [
      `Wrote ${relative} (${written.uri.fsPath}). Nothing was sent to fal. Running it (the ▶ Generate lens above its first line, or the command `
        + `"AnimateDiff: Generate Video from Parameter File") makes ${count(videos)}, after the user confirms where that is asked.`,
      written.text,
    ]);
  }
}

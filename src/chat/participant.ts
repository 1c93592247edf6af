import * as vscode from 'vscode';
import { chargeText } from '../model/price';
import { PARAMS_COMMANDS } from '../params/editor/paramsCodeLens';
import { LIMITS } from '../model/animateDiff';
import { messageOf, shorten } from '../util/text';
import type {
  ChatContextLike, ChatFollowupLike, ChatRequestLike, ChatResponseStreamLike, ChatResultLike, LanguageModelChatLike, ModernApi,
} from './modernApi';
import { PARTICIPANT_COMMANDS } from './ids';
import { writeParamsFile } from './paramsFileWriting';
import { formatChatPrompt, parseChatPrompt, SIZE_WORDS } from './promptOptions';
import { checkInput, paramsFileInputSchema } from './videoInput';
import { describeVideo, planVideos, type VideoRuns } from './videoRuns';

type ParticipantCommand = (typeof PARTICIPANT_COMMANDS)[number] | 'help';

/** Variations made by `/variations` when the request does not say how many. */
export const DEFAULT_VARIATIONS = 3;

/** What a response remembers (VS Code keeps it with the conversation): what was asked for, and what was made. */
export interface ParticipantMetadata {
  readonly command: ParticipantCommand;
  /** The description, when there was one. */
  readonly prompt?: string;
  /** The other fields, as the chat prompt gave them (or the previous request did). */
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly videos?: ReadonlyArray<{ id: string; requestId: string; seed: number | null; localPath: string | null }>;
  /** The parameter file `/file` wrote (a URI). */
  readonly file?: string;
  /** Nothing was sent: refused, declined or failed before fal. */
  readonly notSent?: boolean;
}

const OPEN_COMMAND = 'animateDiff.history.open';
const SAVE_VIDEO_COMMAND = 'animateDiff.history.saveVideo';

/**
 * `@animatediff`: `/generate` and `/variations` make videos (after one question that shows the price), `/file` writes
 * a parameter file from the conversation, `/improve` asks a language model — when there is one — for a better prompt.
 * Everything but `/improve` works without any language model.
 */
export class AnimateDiffParticipant {
  constructor(
    private readonly api: ModernApi,
    private readonly runs: VideoRuns,
    /** Commands VS Code has registered (buttons only offer those that exist, e.g. desktop's "Reveal in OS"). */
    private readonly commandExists: (id: string) => Promise<boolean> = async (id) => (await vscode.commands.getCommands(true)).includes(id),
  ) {}

  readonly handle = async (request: ChatRequestLike, context: ChatContextLike, stream: ChatResponseStreamLike, token: vscode.CancellationToken): Promise<ChatResultLike> => {
    const command = commandOf(request.command);
    if (command === 'help') {
      return this.help(stream, request.command);
    }
    const parsed = parseChatPrompt(request.prompt);
    let text = parsed.prompt;
    let fields: Record<string, unknown> = { ...parsed.fields };
    if (command === 'variations') {
      // `/variations 4 a fox …`
      const leading = /^(\d{1,2})\s+(.*)$/.exec(text);
      if (leading && fields.variations === undefined) {
        fields.variations = Number(leading[1]);
        text = leading[2];
      }
    }
    if (text === '') {
      // A follow-up without a description works on the last one of this conversation.
      const previous = lastRequest(context);
      if (!previous) {
        return this.help(stream, request.command);
      }
      text = previous.prompt;
      fields = { ...previous.fields, ...fields };
    }
    if (command === 'variations') {
      if (fields.variations === undefined && !Array.isArray(fields.seed)) {
        fields.variations = DEFAULT_VARIATIONS;
      }
      if (!Array.isArray(fields.seed)) {
        delete fields.seed;
      }
    }
    switch (command) {
      case 'file':
        return this.writeFile(text, fields, stream);
      case 'improve':
        return this.improve(text, fields, request, stream, token);
      default:
        return this.generate(command, text, fields, stream, token);
    }
  };

  provideFollowups(result: ChatResultLike): ChatFollowupLike[] {
    const metadata = result.metadata as ParticipantMetadata | undefined;
    if (!metadata?.prompt || metadata.command === 'help') {
      return [];
    }
    const { prompt } = metadata;
    const fields = metadata.fields ?? {};
    const { variations: _variations, seed: _seed, ...base } = fields;
    const followups: ChatFollowupLike[] = [];
    if (metadata.command === 'improve') {
      followups.push({ command: 'generate', label: vscode.l10n.t('Generate this'), prompt: formatChatPrompt(prompt, fields) });
    }
    followups.push({ command: 'variations', label: vscode.l10n.t('Three variations'), prompt: formatChatPrompt(prompt, { ...base, variations: 3 }) });
    if (base.video_size !== 'landscape_16_9') {
      followups.push({ command: 'generate', label: vscode.l10n.t('Landscape'), prompt: formatChatPrompt(prompt, { ...base, video_size: 'landscape_16_9' }) });
    }
    if (base.num_frames !== LIMITS.num_frames.max) {
      followups.push({ command: 'generate', label: vscode.l10n.t('{0} frames', LIMITS.num_frames.max), prompt: formatChatPrompt(prompt, { ...base, num_frames: LIMITS.num_frames.max }) });
    }
    if (metadata.command !== 'file') {
      followups.push({ command: 'file', label: vscode.l10n.t('Save as a parameter file'), prompt: formatChatPrompt(prompt, fields) });
    }
    if (metadata.command !== 'improve' && typeof this.api.lm?.selectChatModels === 'function') {
      followups.push({ command: 'improve', label: vscode.l10n.t('Improve the prompt (uses a language model)'), prompt: formatChatPrompt(prompt, base) });
    }
    return followups;
  }

  private help(stream: ChatResponseStreamLike, asked: string | undefined): ChatResultLike {
    stream.markdown([
      asked && commandOf(asked) === 'help' && asked !== 'help' ? `${vscode.l10n.t('I do not know {0}.', `\`/${asked}\``)}\n\n` : '',
      `${vscode.l10n.t('Describe a short video and I make it with fal.ai\'s AnimateDiff Turbo, after asking once with its price:')}\n\n`,
      `- \`/generate a red fox running through fresh snow, cinematic\` — ${vscode.l10n.t('one video')}\n`,
      `- \`/variations 4 a paper boat on a rainy street\` — ${vscode.l10n.t('several, each with its own seed')}\n`,
      `- \`/file a lighthouse at dusk\` — ${vscode.l10n.t('writes a {0} parameter file (nothing is spent)', '`.animate.json`')}\n`,
      `- \`/improve a cat\` — ${vscode.l10n.t('asks a language model for a better prompt, when VS Code has one (optional)')}\n\n`,
      vscode.l10n.t('Settings go anywhere in the text: {0}.',
        `\`frames=32\`, \`fps=12\`, \`steps=8\`, \`guidance=1.5\`, \`seed=7\`, \`size=\` (${SIZE_WORDS.join(', ')}), \`motions=zoom-in,pan-left\`, \`negative="blurry"\`, \`variations=3\``),
    ].join(''));
    return { metadata: { command: 'help' } satisfies ParticipantMetadata };
  }

  private async generate(command: 'generate' | 'variations', prompt: string, fields: Record<string, unknown>, stream: ChatResponseStreamLike, token: vscode.CancellationToken): Promise<ChatResultLike> {
    const remembered = { command, prompt, fields };
    const planned = planVideos({ ...fields, prompt }, 'Chat');
    if (!planned.ok) {
      stream.markdown(`${vscode.l10n.t('I cannot send that to fal — nothing was sent:')}\n\n${planned.problems.map((problem) => `- ${problem}`).join('\n')}\n`);
      return { metadata: { ...remembered, notSent: true } satisfies ParticipantMetadata };
    }
    const { plan } = planned;
    const count = plan.requests.length;
    stream.progress(vscode.l10n.t('Asking fal for the price…'));
    const charge = await this.runs.quote(plan);
    const endpoint = `\`${plan.endpoint}\``;
    const expected = `**${chargeText(charge)}**`;
    stream.markdown(`${charge.known
      ? (count === 1
        ? vscode.l10n.t('1 video with {0} — expected charge {1} at fal\'s listed price.', endpoint, expected)
        : vscode.l10n.t('{0} videos with {1} — expected charge {2} at fal\'s listed price.', count, endpoint, expected))
      : (count === 1
        ? vscode.l10n.t('1 video with {0} — expected charge {1} ({2}).', endpoint, expected, charge.reason)
        : vscode.l10n.t('{0} videos with {1} — expected charge {2} ({3}).', count, endpoint, expected, charge.reason))}\n\n`);
    const outcome = await this.runs.run(plan, { confirm: true, label: 'Chat', onProgress: (text) => stream.progress(text), token });
    if (outcome.kind === 'notStarted') {
      stream.markdown(vscode.l10n.t('Not generated: {0}.', outcome.reason));
      return { metadata: { ...remembered, notSent: true } satisfies ParticipantMetadata };
    }
    stream.markdown(`${outcome.summary}${outcome.charge ? ` ${vscode.l10n.t('Expected charge: {0}.', `**${chargeText(outcome.charge)}**`)}` : ''}\n\n`);
    if (outcome.made.length > 0) {
      stream.markdown(outcome.made.map((video, index) => `${count > 1 ? `${index + 1}. ` : '- '}${describeVideo(video)} · ${vscode.l10n.t('request {0}', `\`${video.requestId}\``)}`).join('\n') + '\n\n');
    }
    const canRevealInOs = await this.commandExists('revealFileInOS');
    outcome.made.forEach((video, index) => {
      const several = count > 1;
      if (video.localPath) {
        stream.reference(vscode.Uri.file(video.localPath));
      }
      stream.button({ command: OPEN_COMMAND, title: several ? vscode.l10n.t('Open Video {0} in the Panel', index + 1) : vscode.l10n.t('Open Video in the Panel'), arguments: [video.id] });
      stream.button(video.localPath && canRevealInOs
        ? { command: 'revealFileInOS', title: several ? vscode.l10n.t('Reveal Video {0} File', index + 1) : vscode.l10n.t('Reveal Video File'), arguments: [vscode.Uri.file(video.localPath)] }
        : { command: SAVE_VIDEO_COMMAND, title: several ? vscode.l10n.t('Save Video {0}…', index + 1) : vscode.l10n.t('Save Video…'), arguments: [video.id] });
    });
    const metadata: ParticipantMetadata = {
      ...remembered,
      videos: outcome.made.map((video) => ({ id: video.id, requestId: video.requestId, seed: video.seed, localPath: video.localPath ?? null })),
    };
    return { metadata };
  }

  private async writeFile(prompt: string, fields: Record<string, unknown>, stream: ChatResponseStreamLike): Promise<ChatResultLike> {
    const remembered = { command: 'file' as const, prompt, fields };
    const checked = checkInput(paramsFileInputSchema, { ...fields, prompt });
    if (!checked.ok) {
      stream.markdown(`${vscode.l10n.t('I cannot write that parameter file:')}\n\n${checked.problems.map((problem) => `- ${problem}`).join('\n')}\n`);
      return { metadata: { ...remembered, notSent: true } satisfies ParticipantMetadata };
    }
    const written = await writeParamsFile(checked.value);
    if (!written.ok) {
      stream.markdown(written.problem);
      return { metadata: { ...remembered, notSent: true } satisfies ParticipantMetadata };
    }
    const relative = vscode.workspace.asRelativePath(written.uri, false);
    stream.markdown(`${vscode.l10n.t('Wrote {0} — nothing was sent to fal. Its ▶ Generate lens makes the video (and says what it costs first).', `\`${relative}\``)}\n\n`);
    stream.anchor(written.uri, relative);
    stream.button({ command: 'vscode.open', title: vscode.l10n.t('Open the File'), arguments: [written.uri] });
    stream.button({ command: 'revealInExplorer', title: vscode.l10n.t('Reveal in Explorer'), arguments: [written.uri] });
    stream.button({ command: PARAMS_COMMANDS.generate, title: vscode.l10n.t('▶ Generate from the File'), arguments: [written.uri] });
    return { metadata: { ...remembered, file: written.uri.toString() } satisfies ParticipantMetadata };
  }

  private async improve(prompt: string, fields: Record<string, unknown>, request: ChatRequestLike, stream: ChatResponseStreamLike, token: vscode.CancellationToken): Promise<ChatResultLike> {
    const model = request.model ?? await this.anyModel();
    const makeMessage = this.api.LanguageModelChatMessage;
    if (!model || !makeMessage) {
      stream.markdown(vscode.l10n.t('No language model is available in this VS Code, so the prompt stays as it is. {0} is optional: {1} works without one.', '`/improve`', '`/generate`'));
      return { metadata: { command: 'improve', prompt, fields } satisfies ParticipantMetadata };
    }
    stream.progress(vscode.l10n.t('Asking {0} for a better prompt…', model.name));
    let improved: string;
    try {
      const response = await model.sendRequest([makeMessage.User(improvementInstructions(prompt))], {}, token);
      let text = '';
      for await (const part of response.text) {
        text += part;
      }
      improved = cleanSuggestion(text);
    } catch (error) {
      stream.markdown(vscode.l10n.t('{0} could not improve the prompt: {1}. The prompt stays as it is.', model.name, messageOf(error)));
      return { metadata: { command: 'improve', prompt, fields } satisfies ParticipantMetadata };
    }
    if (improved === '') {
      stream.markdown(vscode.l10n.t('{0} suggested nothing; the prompt stays as it is.', model.name));
      return { metadata: { command: 'improve', prompt, fields } satisfies ParticipantMetadata };
    }
    stream.markdown(`${vscode.l10n.t('Suggested by {0} (nothing was sent to fal):', model.name)}\n\n> ${improved.replace(/\n/g, '\n> ')}\n`);
    return { metadata: { command: 'improve', prompt: improved, fields } satisfies ParticipantMetadata };
  }

  private async anyModel(): Promise<LanguageModelChatLike | undefined> {
    try {
      return (await this.api.lm?.selectChatModels?.())?.[0];
    } catch {
      return undefined;
    }
  }
}

function commandOf(command: string | undefined): ParticipantCommand {
  if (command === undefined || command === '') {
    return 'generate';
  }
  return (PARTICIPANT_COMMANDS as readonly string[]).includes(command) ? (command as ParticipantCommand) : 'help';
}

/** The last description this conversation asked about, with its fields. */
function lastRequest(context: ChatContextLike): { prompt: string; fields: Record<string, unknown> } | undefined {
  for (let index = context.history.length - 1; index >= 0; index--) {
    const metadata = context.history[index].result?.metadata as ParticipantMetadata | undefined;
    if (typeof metadata?.prompt === 'string' && metadata.prompt !== '') {
      return { prompt: metadata.prompt, fields: { ...(metadata.fields ?? {}) } };
    }
  }
  return undefined;
}

function improvementInstructions(prompt: string): string {
  return [
    'You improve prompts for AnimateDiff Turbo, a text-to-video model that makes clips of about two seconds.',
    'Rewrite the prompt below as one descriptive line: the subject, what it does, the setting, the light, the style and the camera.',
    'Keep what the user asked for. Answer with the prompt only: no quotes, no explanation.',
    '',
    `Prompt: ${prompt}`,
  ].join('\n');
}

/** The model's answer as a prompt: one paragraph, no quotes or fences, within the prompt limit. */
export function cleanSuggestion(text: string): string {
  const withoutFences = text.replace(/```[a-z]*\n?/gi, '').trim();
  const [first = ''] = withoutFences.split(/\n\s*\n/);
  const unquoted = first.trim().replace(/^prompt:\s*/i, '').replace(/^["“'](.*)["”']$/s, '$1').trim();
  return shorten(unquoted, LIMITS.prompt.maxLength);
}

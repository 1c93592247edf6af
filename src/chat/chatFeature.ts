import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { useTranslator } from '../l10n/l10n';
import { TOOL_NAMES } from './ids';
import { modernApi, type ModernApi } from './modernApi';
import { AnimateDiffParticipant } from './participant';
import type { ChatBackend } from './registration';
import { GenerateVideoTool, WriteParameterFileTool } from './tools';
import { VideoRuns, type VideoRunDeps } from './videoRuns';

// In dist/chat.js zod is a copy of its own (see esbuild.js): it needs the English messages checkInput quotes, as the core's has.
z.config(en());
// Its copy of the translator's module too: the messages of the modules it shares with the core follow the display language.
useTranslator(vscode.l10n, vscode.env.language);

/** `@animatediff` and the language-model tools, as the core makes them (registration.ts registers them). */
export class ChatFeature implements ChatBackend {
  readonly runs: VideoRuns;
  readonly participant: AnimateDiffParticipant;
  readonly generateVideo: GenerateVideoTool;
  readonly writeParameterFile: WriteParameterFileTool;
  readonly tools: ChatBackend['tools'];

  constructor(deps: VideoRunDeps, api: ModernApi = modernApi(vscode)) {
    this.runs = new VideoRuns(deps);
    this.participant = new AnimateDiffParticipant(api, this.runs);
    this.generateVideo = new GenerateVideoTool(api, this.runs);
    this.writeParameterFile = new WriteParameterFileTool(api);
    this.tools = { [TOOL_NAMES.generateVideo]: this.generateVideo, [TOOL_NAMES.writeParameterFile]: this.writeParameterFile };
  }
}

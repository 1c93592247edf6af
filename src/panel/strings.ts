import * as vscode from 'vscode';
import type { PanelStrings } from '../shared/protocol';

/**
 * Every string the panel shows, localised here on the host. Placeholders such as `{0}` are filled in by
 * the webview, so they are passed through as their own arguments.
 */
export function panelStrings(): PanelStrings {
  const { l10n } = vscode;
  return {
    prompt: l10n.t('Prompt'),
    negativePrompt: l10n.t('Negative prompt'),
    seed: l10n.t('Seed'),
    size: l10n.t('Size'),
    frames: l10n.t('Frames'),
    fps: l10n.t('Frame rate'),
    steps: l10n.t('Steps'),
    guidance: l10n.t('Guidance scale'),
    totalTime: l10n.t('Total time'),
    inferenceTime: l10n.t('fal inference time'),
    price: l10n.t('Price'),
    inferenceValue: l10n.t('{0} inference', '{0}'),
    endpoint: l10n.t('Endpoint'),
    details: l10n.t('Generation details'),
    notReported: l10n.t('not reported'),
    secondsValue: l10n.t('{0} s', '{0}'),
    minutesSecondsValue: l10n.t('{0} min {1} s', '{0}', '{1}'),
    framesValue: l10n.t('{0} ({1} of video)', '{0}', '{1}'),
    fpsValue: l10n.t('{0} fps', '{0}'),
    sizeValue: l10n.t('{0} · {1} × {2}', '{0}', '{1}', '{2}'),
    seedLabel: l10n.t('Seed {0}', '{0}'),
    videoLabel: l10n.t('Generated video: {0}', '{0}'),
    saveVideo: l10n.t('Save Video…'),
    copySeed: l10n.t('Copy Seed'),
    copyAsCode: l10n.t('Copy as Code…'),
    rerunWithSeed: l10n.t('Re-run with this Seed'),
    saveParameters: l10n.t('Save Parameters as .animate.json'),
    exportVideo: l10n.t('Export GIF or WebM…'),
    insertMarkdown: l10n.t('Insert as Markdown'),
    open: l10n.t('Open'),
    backToGrid: l10n.t('Back to Batch'),
    actions: l10n.t('Actions'),
    loading: l10n.t('Loading video…'),
    videoErrorTitle: l10n.t('This video cannot be played here.'),
    videoErrorDecode: l10n.t(
      'Its format or codec is not supported by this VS Code. Desktop VS Code plays H.264 and VP8 video, but not VP9 video or AAC audio. Use Save Video… and open the file in a video player.',
    ),
    videoErrorNetwork: l10n.t(
      'The video could not be downloaded. fal\'s result links expire after a while; use Re-run with this Seed to generate it again.',
    ),
    videoErrorAborted: l10n.t('Loading the video was interrupted.'),
    videoErrorUnknown: l10n.t('The video failed to load.'),
    playAll: l10n.t('Play All'),
    pauseAll: l10n.t('Pause All'),
    restartAll: l10n.t('Restart All Together'),
    compareControls: l10n.t('Compare'),
    differences: l10n.t('Differs from the others in'),
    gridCount: l10n.t('{0} videos', '{0}'),
    gridFailedCount: l10n.t('{0} failed', '{0}'),
    gridRunningCount: l10n.t('{0} running', '{0}'),
    failed: l10n.t('Failed'),
    running: l10n.t('Running'),
    gridEmpty: l10n.t('Nothing to show yet.'),
    sizeNames: {
      square_hd: l10n.t('Square HD'),
      square: l10n.t('Square'),
      portrait_4_3: l10n.t('Portrait 4:3'),
      portrait_16_9: l10n.t('Portrait 16:9'),
      landscape_4_3: l10n.t('Landscape 4:3'),
      landscape_16_9: l10n.t('Landscape 16:9'),
      custom: l10n.t('Custom'),
    },
  };
}

import * as vscode from 'vscode';
import type { PanelStrings } from '../shared/protocol';

/**
 * Every string the panel shows, localised here on the host. Placeholders such as `{0}` are filled in by
 * the webview, so they are passed through as their own arguments.
 */
export function panelStrings(): PanelStrings {
  const t = vscode.l10n.t;
  return {
    prompt: t('Prompt'),
    negativePrompt: t('Negative prompt'),
    seed: t('Seed'),
    size: t('Size'),
    frames: t('Frames'),
    fps: t('Frame rate'),
    steps: t('Steps'),
    guidance: t('Guidance scale'),
    totalTime: t('Total time'),
    inferenceTime: t('fal inference time'),
    price: t('Price'),
    inferenceValue: t('{0} inference', '{0}'),
    endpoint: t('Endpoint'),
    details: t('Generation details'),
    notReported: t('not reported'),
    secondsValue: t('{0} s', '{0}'),
    minutesSecondsValue: t('{0} min {1} s', '{0}', '{1}'),
    framesValue: t('{0} ({1} of video)', '{0}', '{1}'),
    fpsValue: t('{0} fps', '{0}'),
    sizeValue: t('{0} · {1} × {2}', '{0}', '{1}', '{2}'),
    seedLabel: t('Seed {0}', '{0}'),
    videoLabel: t('Generated video: {0}', '{0}'),
    saveVideo: t('Save Video…'),
    copySeed: t('Copy Seed'),
    copyAsCode: t('Copy as Code…'),
    rerunWithSeed: t('Re-run with this Seed'),
    saveParameters: t('Save Parameters as .animate.json'),
    exportVideo: t('Export GIF or WebM…'),
    insertMarkdown: t('Insert as Markdown'),
    open: t('Open'),
    backToGrid: t('Back to Batch'),
    actions: t('Actions'),
    loading: t('Loading video…'),
    videoErrorTitle: t('This video cannot be played here.'),
    videoErrorDecode: t(
      'Its format or codec is not supported by this VS Code. Desktop VS Code plays H.264 and VP8 video, but not VP9 video or AAC audio. Use Save Video… and open the file in a video player.',
    ),
    videoErrorNetwork: t(
      'The video could not be downloaded. fal\'s result links expire after a while; use Re-run with this Seed to generate it again.',
    ),
    videoErrorAborted: t('Loading the video was interrupted.'),
    videoErrorUnknown: t('The video failed to load.'),
    playAll: t('Play All'),
    pauseAll: t('Pause All'),
    restartAll: t('Restart All Together'),
    compareControls: t('Compare'),
    differences: t('Differs from the others in'),
    gridCount: t('{0} videos', '{0}'),
    gridFailedCount: t('{0} failed', '{0}'),
    gridRunningCount: t('{0} running', '{0}'),
    failed: t('Failed'),
    running: t('Running'),
    gridEmpty: t('Nothing to show yet.'),
    sizeNames: {
      square_hd: t('Square HD'),
      square: t('Square'),
      portrait_4_3: t('Portrait 4:3'),
      portrait_16_9: t('Portrait 16:9'),
      landscape_4_3: t('Landscape 4:3'),
      landscape_16_9: t('Landscape 16:9'),
      custom: t('Custom'),
    },
  };
}

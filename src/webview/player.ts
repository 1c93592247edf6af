import type { GenerationView, PanelStrings, WebviewMessage } from '../shared/protocol';
import { fillTemplate } from './format';
import { h, icon } from './dom';

/** MediaError codes (HTMLMediaElement.error.code). */
const MEDIA_ERR_ABORTED = 1;
const MEDIA_ERR_NETWORK = 2;
const MEDIA_ERR_DECODE = 3;
const MEDIA_ERR_SRC_NOT_SUPPORTED = 4;

export function describeVideoError(code: number | null, strings: PanelStrings): string {
  switch (code) {
    case MEDIA_ERR_ABORTED:
      return strings.videoErrorAborted;
    case MEDIA_ERR_NETWORK:
      return strings.videoErrorNetwork;
    case MEDIA_ERR_DECODE:
    case MEDIA_ERR_SRC_NOT_SUPPORTED:
      return strings.videoErrorDecode;
    default:
      return strings.videoErrorUnknown;
  }
}

export interface PlayerContext {
  readonly strings: PanelStrings;
  post(message: WebviewMessage): void;
}

export interface Player {
  readonly element: HTMLElement;
  readonly video: HTMLVideoElement;
}

/**
 * A looping, muted video that starts at once, reports `videoPlaying` the first time it plays and
 * `videoError` (with a message shown in its place) when it cannot be loaded or decoded.
 */
export function createPlayer(view: GenerationView, context: PlayerContext, variant: 'single' | 'tile'): Player {
  const { strings } = context;
  const video = h('video', {
    class: 'video',
    width: view.size.width,
    height: view.size.height,
    autoplay: true,
    muted: true,
    loop: true,
    controls: true,
    playsinline: true,
    preload: 'auto',
    'aria-label': fillTemplate(strings.videoLabel, view.prompt),
  });
  // The attribute sets defaultMuted; the property is what autoplay policies look at.
  video.muted = true;

  const errorDetail = h('p', { class: 'video-error-detail' });
  const errorBox = h(
    'div',
    { class: 'video-error', role: 'alert', hidden: true },
    icon('error'),
    h('div', { class: 'video-error-text' }, h('p', { class: 'video-error-title' }, strings.videoErrorTitle), errorDetail),
  );
  const loadingBar = h('div', { class: 'loading-bar', role: 'progressbar', 'aria-label': strings.loading });
  const element = h('div', { class: `player player-${variant} is-loading` }, video, loadingBar, errorBox);

  let reportedPlaying = false;
  let failed = false;
  const loaded = () => {
    element.classList.remove('is-loading');
    loadingBar.remove();
  };
  const fail = (code: number | null, technicalMessage: string) => {
    if (failed) {
      return;
    }
    failed = true;
    loaded();
    video.pause();
    element.classList.add('has-error');
    video.hidden = true;
    errorDetail.textContent = describeVideoError(code, strings);
    errorBox.hidden = false;
    context.post({ type: 'videoError', id: view.id, code, message: technicalMessage || describeVideoError(code, strings) });
  };

  video.addEventListener('loadeddata', loaded);
  video.addEventListener('playing', () => {
    loaded();
    if (!reportedPlaying && !failed) {
      reportedPlaying = true;
      context.post({ type: 'videoPlaying', id: view.id });
    }
  });
  video.addEventListener('loadedmetadata', () => {
    // A file whose audio decodes but whose video codec does not loads with no picture at all.
    if (video.videoWidth === 0) {
      fail(MEDIA_ERR_DECODE, 'The file has no video track this player can decode.');
    }
  });
  video.addEventListener('error', () => fail(video.error?.code ?? null, video.error?.message ?? ''));
  video.src = view.videoSrc;
  return { element, video };
}

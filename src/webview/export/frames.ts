/** Frames of a video, read exactly: a hidden `<video>` is sought to each frame's time and drawn to a canvas. */

export interface FrameSource {
  readonly video: HTMLVideoElement;
  readonly canvas: HTMLCanvasElement;
  readonly context: CanvasRenderingContext2D;
  readonly duration: number;
}

function until(video: HTMLVideoElement, event: 'loadeddata' | 'seeked'): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      video.removeEventListener(event, done);
      video.removeEventListener('error', failed);
      resolve();
    };
    const failed = () => {
      video.removeEventListener(event, done);
      video.removeEventListener('error', failed);
      reject(new Error(`the video could not be read (${video.error?.message || `media error ${video.error?.code ?? 'unknown'}`})`));
    };
    video.addEventListener(event, done);
    video.addEventListener('error', failed);
  });
}

/** Opens `src` for reading at `width` pixels (the height keeps the aspect ratio, rounded to even for video codecs). */
export async function openFrames(src: string, width: number): Promise<FrameSource> {
  const video = document.createElement('video');
  // Anonymous CORS keeps the canvas readable: VS Code serves webview resources with Access-Control-Allow-Origin.
  video.crossOrigin = 'anonymous';
  video.muted = true;
  video.preload = 'auto';
  const loaded = until(video, 'loadeddata');
  video.src = src;
  await loaded;
  if (!video.videoWidth || !Number.isFinite(video.duration)) {
    throw new Error('the video has no picture or no known length');
  }
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(2, Math.round(width / 2) * 2);
  canvas.height = Math.max(2, Math.round((width * video.videoHeight) / video.videoWidth / 2) * 2);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) {
    throw new Error('no 2D canvas');
  }
  return { video, canvas, context, duration: video.duration };
}

/** Draws the frame shown at `seconds` onto the canvas. */
export async function drawAt(source: FrameSource, seconds: number): Promise<void> {
  const sought = until(source.video, 'seeked');
  source.video.currentTime = Math.min(Math.max(0, seconds), source.duration);
  await sought;
  source.context.drawImage(source.video, 0, 0, source.canvas.width, source.canvas.height);
}

/** How many frames `fps` gives over the clip, and when each is shown (the middle of its interval, never an edge). */
export function frameTimes(duration: number, fps: number): number[] {
  const count = Math.max(1, Math.round(duration * fps));
  return Array.from({ length: count }, (_, i) => Math.min((i + 0.5) / fps, duration));
}

export function releaseFrames(source: FrameSource): void {
  source.video.removeAttribute('src');
  source.video.load();
}

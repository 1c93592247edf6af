import type { EncodeRequest, WebviewMessage } from '../../shared/protocol';
import { EXPORTER_GLOBAL, type Exporter } from './exporter';
import { drawAt, frameTimes, openFrames, releaseFrames, type FrameSource } from './frames';
import { encodeGif, type RgbaFrame } from './gif';
import { muxWebm, type EncodedFrame } from './webm';

/*
 * The encoders, a script of their own (dist/webview/export.js) that the panel loads the first time the host asks for
 * an export or a thumbnail, so the panel's own script stays small.
 */

function base64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

async function gif(source: FrameSource, request: EncodeRequest): Promise<{ bytes: Uint8Array; frames: number }> {
  const frames: RgbaFrame[] = [];
  const { width, height } = source.canvas;
  for (const time of frameTimes(source.duration, request.fps)) {
    await drawAt(source, time);
    frames.push(source.context.getImageData(0, 0, width, height));
  }
  return { bytes: encodeGif(frames, { width, height, fps: request.fps, loop: request.loop }), frames: frames.length };
}

async function webm(source: FrameSource, request: EncodeRequest): Promise<{ bytes: Uint8Array; frames: number }> {
  const { width, height } = source.canvas;
  const config: VideoEncoderConfig = { codec: 'vp8', width, height, framerate: request.fps, bitrate: Math.max(200_000, Math.round(width * height * request.fps * 0.3)) };
  if (typeof VideoEncoder === 'undefined' || !(await VideoEncoder.isConfigSupported(config)).supported) {
    throw new Error('this VS Code cannot encode WebM video here (no WebCodecs VP8 encoder); export a GIF instead');
  }
  const chunks: EncodedFrame[] = [];
  let failure: Error | undefined;
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      chunks.push({ data, timeMs: chunk.timestamp / 1000, key: chunk.type === 'key' });
    },
    error: (error) => {
      failure = error;
    },
  });
  encoder.configure(config);
  const times = frameTimes(source.duration, request.fps);
  const frameMicros = 1_000_000 / request.fps;
  for (const [i, time] of times.entries()) {
    await drawAt(source, time);
    const frame = new VideoFrame(source.canvas, { timestamp: Math.round(i * frameMicros), duration: Math.round(frameMicros) });
    // A key frame every few seconds: WebM's block times are 16-bit offsets within a cluster.
    encoder.encode(frame, { keyFrame: i % Math.max(1, Math.round(request.fps * 5)) === 0 });
    frame.close();
  }
  await encoder.flush();
  encoder.close();
  if (failure) {
    throw failure;
  }
  const durationMs = (times.length * 1000) / request.fps;
  return { bytes: muxWebm({ codecId: 'V_VP8', width, height, durationMs }, chunks), frames: chunks.length };
}

async function png(source: FrameSource): Promise<{ bytes: Uint8Array; frames: number }> {
  // The middle of the clip says more about it than its first frame, which is often still settling.
  await drawAt(source, source.duration / 2);
  const blob = await new Promise<Blob | null>((resolve) => source.canvas.toBlob(resolve, 'image/png'));
  if (!blob) {
    throw new Error('the canvas made no PNG');
  }
  return { bytes: new Uint8Array(await blob.arrayBuffer()), frames: 1 };
}

const exporter: Exporter = {
  async run(request) {
    let source: FrameSource | undefined;
    try {
      source = await openFrames(request.src, request.width);
      const encode = request.format === 'gif' ? gif : request.format === 'webm' ? webm : png;
      const { bytes, frames } = await encode(source, request);
      const answer: WebviewMessage = {
        type: 'encoded',
        requestId: request.requestId,
        data: base64(bytes),
        frames,
        width: source.canvas.width,
        height: source.canvas.height,
      };
      return answer;
    } catch (error) {
      return { type: 'encodeFailed', requestId: request.requestId, message: error instanceof Error ? error.message : String(error) };
    } finally {
      if (source) {
        releaseFrames(source);
      }
    }
  },
};

(window as unknown as Record<string, Exporter>)[EXPORTER_GLOBAL] = exporter;

// fal storage: initiate returns an upload URL (pointing back here) and the file's public URL;
// the bytes arrive by PUT and are streamed to a temporary folder, never held in memory.

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UploadRecord } from './types';

interface PartFile {
  file: string;
  etag: string;
  size: number;
}

interface PendingUpload {
  token: string;
  fileName: string;
  contentType: string;
  multipart: boolean;
  parts: Map<number, PartFile>;
}

export interface StoredFile {
  file: string;
  contentType: string;
  size: number;
}

export class UploadError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Paths under the imitation's origin. */
export const UPLOAD_PATH_PREFIX = '/__upload/';
export const UPLOADED_FILES_PREFIX = '/files/uploads/';

export class UploadStore {
  private pending = new Map<string, PendingUpload>();
  private stored = new Map<string, { record: UploadRecord; file: string }>();

  constructor(private readonly dir: string, private readonly origin: () => string) {}

  initiate(contentType: string, fileName: string, multipart: boolean): { upload_url: string; file_url: string } {
    const token = randomUUID();
    this.pending.set(token, { token, fileName, contentType, multipart, parts: new Map() });
    return { upload_url: `${this.origin()}${UPLOAD_PATH_PREFIX}${token}`, file_url: this.fileUrl(token, fileName) };
  }

  /** Stores the body of a single-part PUT. */
  async put(token: string, body: IncomingMessage, contentTypeHeader: string | undefined): Promise<UploadRecord> {
    const upload = this.pendingUpload(token, false);
    const file = this.storedPath(token);
    await mkdir(this.dir, { recursive: true });
    const digest = createHash('sha256');
    let size = 0;
    await pipeline(body, tap((chunk) => {
      digest.update(chunk);
      size += chunk.length;
    }), createWriteStream(file));
    const contentType = contentTypeHeader || upload.contentType;
    return this.keep(upload, file, { contentType, size, sha256: digest.digest('hex') });
  }

  /** Stores one part of a multipart upload and answers like the client expects: `{partNumber, etag}`. */
  async putPart(token: string, partNumber: number, body: IncomingMessage): Promise<{ partNumber: number; etag: string }> {
    const upload = this.pendingUpload(token, true);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
      throw new UploadError(400, `Invalid part number: ${partNumber}`);
    }
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${token}.part${partNumber}`);
    const digest = createHash('md5');
    let size = 0;
    await pipeline(body, tap((chunk) => {
      digest.update(chunk);
      size += chunk.length;
    }), createWriteStream(file));
    const etag = `"${digest.digest('hex')}"`;
    upload.parts.set(partNumber, { file, etag, size });
    return { partNumber, etag };
  }

  /** Joins the listed parts, in order, into the final file. */
  async complete(token: string, parts: { partNumber: number; etag: string }[]): Promise<UploadRecord> {
    const upload = this.pendingUpload(token, true);
    if (parts.length === 0) {
      throw new UploadError(400, 'A multipart upload needs at least one part');
    }
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const files = ordered.map(({ partNumber, etag }) => {
      const part = upload.parts.get(partNumber);
      if (!part) {
        throw new UploadError(400, `Part ${partNumber} was never uploaded`);
      }
      if (part.etag !== etag) {
        throw new UploadError(400, `Part ${partNumber}: etag ${etag} does not match ${part.etag}`);
      }
      return part.file;
    });
    const file = this.storedPath(token);
    const digest = createHash('sha256');
    let size = 0;
    async function* joinedParts(): AsyncGenerator<Buffer> {
      for (const partFile of files) {
        for await (const chunk of createReadStream(partFile)) {
          const buffer = chunk as Buffer;
          digest.update(buffer);
          size += buffer.length;
          yield buffer;
        }
      }
    }
    await pipeline(joinedParts, createWriteStream(file));
    await Promise.all([...upload.parts.values()].map((part) => rm(part.file, { force: true })));
    return this.keep(upload, file, { contentType: upload.contentType, size, sha256: digest.digest('hex') });
  }

  /** The stored file behind a `/files/uploads/<token>/<name>` path, if it exists. */
  async lookup(token: string): Promise<StoredFile | undefined> {
    const entry = this.stored.get(token);
    if (!entry) {
      return undefined;
    }
    const info = await stat(entry.file).catch(() => undefined);
    return info ? { file: entry.file, contentType: entry.record.contentType, size: info.size } : undefined;
  }

  has(token: string): boolean {
    return this.stored.has(token);
  }

  list(): UploadRecord[] {
    return [...this.stored.values()].map((entry) => ({ ...entry.record }));
  }

  async clear(): Promise<void> {
    const files = [
      ...[...this.stored.values()].map((entry) => entry.file),
      ...[...this.pending.values()].flatMap((upload) => [...upload.parts.values()].map((part) => part.file)),
    ];
    this.pending.clear();
    this.stored.clear();
    await Promise.all(files.map((file) => rm(file, { force: true })));
  }

  private pendingUpload(token: string, multipart: boolean): PendingUpload {
    const upload = this.pending.get(token);
    if (!upload) {
      throw new UploadError(404, 'Unknown or expired upload URL');
    }
    if (upload.multipart !== multipart) {
      throw new UploadError(400, multipart ? 'This upload was not initiated as multipart' : 'This upload was initiated as multipart');
    }
    return upload;
  }

  private keep(upload: PendingUpload, file: string, facts: { contentType: string; size: number; sha256: string }): UploadRecord {
    const record: UploadRecord = {
      fileName: upload.fileName,
      contentType: facts.contentType,
      size: facts.size,
      sha256: facts.sha256,
      fileUrl: this.fileUrl(upload.token, upload.fileName),
      multipart: upload.multipart,
      completedAt: new Date().toISOString(),
    };
    this.pending.delete(upload.token);
    this.stored.set(upload.token, { record, file });
    return { ...record };
  }

  private storedPath(token: string): string {
    return path.join(this.dir, token);
  }

  private fileUrl(token: string, fileName: string): string {
    return `${this.origin()}${UPLOADED_FILES_PREFIX}${token}/${encodeURIComponent(fileName)}`;
  }
}

/** A pass-through stream that shows each chunk to `observe`. */
function tap(observe: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      observe(chunk);
      callback(null, chunk);
    },
  });
}

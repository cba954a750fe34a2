/**
 * A zip archive (an XLSX workbook) on disk, read from its central directory.
 *
 * Why not hand the bytes to exceljs: its streaming reader reads the zip front to back and, given
 * a file cut short, waits forever for the rest (an upload hung inside its transaction, holding
 * the write lock); it also inflates whatever a member declares, so 3 MB of shared strings became
 * 1.7 GB of memory. The upload is already a file, so we can do what unzip does: find the
 * end-of-archive record first (a cut file has none: 400 at once), check that every member lies
 * inside the file, refuse declared sizes over the caps before inflating anything (413 at once),
 * and inflate a member as a stream that counts what comes out (a member lying about its size is
 * stopped at the cap, never buffered) and checks its CRC at the end. Nothing here can wait for
 * bytes that will not come: every read is of a file whose length is known.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { crc32, createInflateRaw } from 'node:zlib';
import { HttpError, ValidationError } from '@simcard/common';
import { type FileProblemCode, fileTooLarge, fileUnreadable, megabytes } from './file-errors.js';

export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export interface ZipDirectory {
  path: string;
  fileSize: number;
  members: Map<string, ZipMember>;
  /** Where the central directory starts: no member's data may reach past it. */
  directoryOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** The end record (22 bytes) plus the longest comment (65,535). */
const EOCD_SEARCH = 22 + 0xffff;
/** An XLSX has a dozen members; thousands is not a workbook. */
const MAX_MEMBERS = 10_000;

/** The `file` detail's code (file-errors.ts) of each top-level code an unreadable workbook has. */
const UNREADABLE: Record<string, FileProblemCode> = {
  truncated_file: 'file.truncated',
  corrupt_file: 'file.corrupt',
  not_a_workbook: 'file.not_workbook',
  encrypted_file: 'file.encrypted',
  malformed_xlsx: 'file.xlsx_malformed',
};

/** The file is not a readable workbook: 400 with a stable code naming what is wrong. */
export function badXlsx(code: keyof typeof UNREADABLE, message: string, reason = message): ValidationError {
  return fileUnreadable(code, `The XLSX file cannot be read: ${message}`, UNREADABLE[code] ?? 'file.corrupt', reason);
}

/**
 * Over a cap: 413 with the cap in the details (`limit`, as before, and the detail's `params`:
 * `max` rows, columns or texts; `limit_mb` for a part's size).
 */
export type XlsxCapCode = 'too_many_rows' | 'too_many_columns' | 'xlsx_too_large';

export function xlsxTooLarge(
  code: XlsxCapCode,
  message: string,
  limit: number,
  problem: FileProblemCode = code === 'too_many_rows'
    ? 'file.too_many_rows'
    : code === 'too_many_columns'
      ? 'file.too_many_columns'
      : 'file.xlsx_too_large',
): HttpError {
  const params: Record<string, number> | undefined =
    problem === 'file.zip64' ? undefined : problem === 'file.xlsx_too_large' ? { limit_mb: megabytes(limit) } : { max: limit };
  return fileTooLarge(code, message, problem, params, { limit });
}

export async function readZipDirectory(path: string): Promise<ZipDirectory> {
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    if (fileSize < 22) throw badXlsx('truncated_file', 'the file is too short to be a workbook (was the upload cut short?)');
    const tailLength = Math.min(fileSize, EOCD_SEARCH);
    const tail = Buffer.alloc(tailLength);
    await handle.read(tail, 0, tailLength, fileSize - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd === -1) {
      throw badXlsx(
        'truncated_file',
        'the end of the zip archive is missing: the file was cut short (an interrupted upload or download) or is not an XLSX workbook',
      );
    }
    const count = tail.readUInt16LE(eocd + 10);
    const directorySize = tail.readUInt32LE(eocd + 12);
    const directoryOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
      throw xlsxTooLarge(
        'xlsx_too_large',
        'The XLSX file is a zip64 archive (over 4 GB or 65,535 members): far over the import limits',
        0,
        'file.zip64',
      );
    }
    const eocdAt = fileSize - tailLength + eocd;
    if (directoryOffset + directorySize > eocdAt)
      throw badXlsx('corrupt_file', 'the zip archive’s directory lies outside the file (a damaged or cut file)');
    if (count > MAX_MEMBERS) throw badXlsx('corrupt_file', `the zip archive claims ${count} members; a workbook has a few dozen`);
    const directory = Buffer.alloc(directorySize);
    await handle.read(directory, 0, directorySize, directoryOffset);
    const members = new Map<string, ZipMember>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > directory.length || directory.readUInt32LE(p) !== CENTRAL_SIGNATURE)
        throw badXlsx('corrupt_file', 'the zip archive’s directory is damaged');
      const nameLength = directory.readUInt16LE(p + 28);
      const extraLength = directory.readUInt16LE(p + 30);
      const commentLength = directory.readUInt16LE(p + 32);
      const member: ZipMember = {
        flags: directory.readUInt16LE(p + 8),
        method: directory.readUInt16LE(p + 10),
        crc: directory.readUInt32LE(p + 16),
        compressedSize: directory.readUInt32LE(p + 20),
        size: directory.readUInt32LE(p + 24),
        localHeaderOffset: directory.readUInt32LE(p + 42),
        name: directory.toString('utf8', p + 46, p + 46 + nameLength),
      };
      if (member.localHeaderOffset + 30 + member.compressedSize > directoryOffset) {
        throw badXlsx(
          'truncated_file',
          `the zip member ${member.name} reaches past the end of its data: the file was cut short or damaged`,
        );
      }
      // Names are compared as Excel writes them; a leading slash is sometimes written.
      members.set(member.name.replace(/^\//, ''), member);
      p += 46 + nameLength + extraLength + commentLength;
    }
    return { path, fileSize, members, directoryOffset };
  } finally {
    await handle.close();
  }
}

/** Where a member's compressed bytes start (after its local header, whose lengths may differ from the directory's). */
async function dataOffset(zip: ZipDirectory, member: ZipMember): Promise<number> {
  const handle = await open(zip.path, 'r');
  try {
    const header = Buffer.alloc(30);
    await handle.read(header, 0, 30, member.localHeaderOffset);
    if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw badXlsx('corrupt_file', `the zip member ${member.name} is damaged`);
    const start = member.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (start + member.compressedSize > zip.directoryOffset)
      throw badXlsx('truncated_file', `the zip member ${member.name} reaches past the end of its data`);
    return start;
  } finally {
    await handle.close();
  }
}

export interface InflateLimits {
  /** Most uncompressed bytes accepted; more → 413 with `code`. */
  maxBytes: number;
  code: XlsxCapCode;
  what: string;
  /** Aborts the read (the import's deadline). */
  signal?: AbortSignal;
}

/**
 * The member's uncompressed bytes as chunks. The declared size is checked against the cap first;
 * then what really comes out is counted (stopped past the declared size or the cap) and its CRC
 * checked at the end.
 */
export async function* readMember(zip: ZipDirectory, member: ZipMember, limits: InflateLimits): AsyncGenerator<Buffer> {
  if (member.flags & 1) throw badXlsx('encrypted_file', 'the workbook is password-protected: save it without a password');
  if (member.method !== 0 && member.method !== 8)
    throw badXlsx('corrupt_file', `the zip member ${member.name} uses compression method ${member.method}, which Excel never writes`);
  const tooLarge = () =>
    xlsxTooLarge(
      limits.code,
      `The XLSX file’s ${limits.what} part is larger than the limit of ${Math.round(limits.maxBytes / 1024 / 1024)} MB uncompressed (an XLSX bomb, or split the file)`,
      limits.maxBytes,
    );
  if (member.size > limits.maxBytes) throw tooLarge();
  const start = await dataOffset(zip, member);
  if (member.compressedSize === 0) {
    if (member.size !== 0) throw badXlsx('corrupt_file', `the zip member ${member.name} is empty`);
    return;
  }
  const raw = createReadStream(zip.path, { start, end: start + member.compressedSize - 1, highWaterMark: 256 * 1024 });
  const source = member.method === 8 ? raw.pipe(createInflateRaw({ chunkSize: 256 * 1024 })) : raw;
  // pipe() does not forward errors: both ends are listened to, and both destroyed when we stop.
  const failures: Error[] = [];
  raw.on('error', (err) => {
    failures.push(err);
    // Or the inflater would wait forever for the rest.
    if (source !== raw) source.destroy(err);
  });
  if (source !== raw) source.on('error', (err: Error) => failures.push(err));
  let size = 0;
  let crc = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (limits.signal?.aborted) throw limits.signal.reason;
      size += chunk.length;
      if (size > limits.maxBytes) throw tooLarge();
      if (size > member.size)
        throw badXlsx('corrupt_file', `the zip member ${member.name} holds more than it declares (a damaged file or a zip bomb)`);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof HttpError || err === limits.signal?.reason) throw err;
    throw badXlsx('corrupt_file', `the zip member ${member.name} cannot be decompressed (a damaged or cut file)`, (err as Error).message);
  } finally {
    raw.destroy();
    source.destroy();
  }
  if (failures.length > 0)
    throw badXlsx('corrupt_file', `the zip member ${member.name} cannot be decompressed (a damaged or cut file)`, failures[0]!.message);
  if (size !== member.size || crc >>> 0 !== member.crc >>> 0) {
    throw badXlsx('corrupt_file', `the zip member ${member.name} is damaged (its size or checksum does not match)`);
  }
}

/** A small member (workbook.xml, relationships) as text. */
export async function readSmallMember(zip: ZipDirectory, member: ZipMember, what: string, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of readMember(zip, member, { maxBytes: 4 * 1024 * 1024, code: 'xlsx_too_large', what, signal }))
    chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Heavy libraries that only some requests need, loaded on first use instead of at start (issue 14
 * goal 7: an idle main API within 110 MB RSS). exceljs alone is ~27 MB once loaded; an API that
 * never writes a workbook never pays for it. All three are CommonJS, so a synchronous require
 * keeps their callers synchronous.
 */
import { createRequire } from 'node:module';
import type Busboy from 'busboy';
import type ExcelJS from 'exceljs';
import type Iconv from 'iconv-lite';

const require = createRequire(import.meta.url);
let excel: typeof ExcelJS | undefined;
let iconvModule: typeof Iconv | undefined;
let busboyModule: typeof Busboy | undefined;

export const exceljs = (): typeof ExcelJS => (excel ??= require('exceljs') as typeof ExcelJS);
export const iconv = (): typeof Iconv => (iconvModule ??= require('iconv-lite') as typeof Iconv);
export const busboy = (): typeof Busboy => (busboyModule ??= require('busboy') as typeof Busboy);

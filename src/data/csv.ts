/**
 * RFC 4180 CSV reading and writing, pure TypeScript (runs in a browser page too).
 *
 * Fields may be quoted with `"`; a quote inside a quoted field is doubled (`""`); quoted
 * fields may hold delimiters and line breaks. Lines end in LF, CRLF or CR. A leading BOM is
 * ignored, a trailing line break is optional, and empty lines are skipped (as pandas does).
 * Anything malformed throws an Error naming the file and the line.
 */

export interface ParseCsvOptions {
  /** Field separator, one character. Default ','. */
  delimiter?: string;
  /** First record holds the column names. Default true; when false columns are named "0", "1", ... */
  header?: boolean;
  /** Shown in error messages (usually the file path). Default 'CSV'. */
  name?: string;
  /** Field texts that mean "missing" (become null). Default: DEFAULT_NA_VALUES. */
  naValues?: readonly string[];
}

export interface ParsedCsv {
  columns: string[];
  /** One array per data record, each with columns.length fields; missing values are null. */
  rows: (string | null)[][];
}

/** The texts read as missing unless `naValues` says otherwise (a subset of pandas' defaults). */
export const DEFAULT_NA_VALUES: readonly string[] = ['', 'NA', 'NaN', 'null', 'N/A'];

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

interface RawRecord {
  fields: string[];
  /** 1-based line on which the record starts. */
  line: number;
  /** True when the record is a completely empty line (no characters at all). */
  empty: boolean;
}

/** Splits the text into records of raw field texts (quotes removed), validating the quoting. */
function* readRecords(text: string, delimiter: number, name: string): Generator<RawRecord> {
  const length = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (pos < length) {
    const recordLine = line;
    const fields: string[] = [];
    let empty = true;
    // Read fields until the end of the record.
    for (;;) {
      let field: string;
      if (text.charCodeAt(pos) === QUOTE) {
        empty = false;
        const openLine = line;
        pos++;
        let value = '';
        let chunkStart = pos;
        for (;;) {
          const q = text.indexOf('"', pos);
          if (q < 0) {
            throw new Error(`${name}: line ${openLine}: unterminated quoted field (the quote opened here is never closed)`);
          }
          for (let i = pos; i < q; i++) if (text.charCodeAt(i) === LF) line++;
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(chunkStart, q + 1);
            pos = q + 2;
            chunkStart = pos;
            continue;
          }
          value += text.slice(chunkStart, q);
          pos = q + 1;
          break;
        }
        const after = pos < length ? text.charCodeAt(pos) : LF;
        if (after !== delimiter && after !== LF && after !== CR) {
          throw new Error(
            `${name}: line ${line}: unexpected character ${JSON.stringify(text[pos])} after a closing quote ` +
              `(a quote inside a quoted field must be doubled: "")`,
          );
        }
        field = value;
      } else {
        const start = pos;
        while (pos < length) {
          const c = text.charCodeAt(pos);
          if (c === delimiter || c === LF || c === CR) break;
          if (c === QUOTE) {
            throw new Error(
              `${name}: line ${line}: stray quote inside an unquoted field ` +
                `(quote the whole field and double the quote: "a ""b"" c")`,
            );
          }
          pos++;
        }
        field = text.slice(start, pos);
        if (pos > start) empty = false;
      }
      fields.push(field);
      if (pos >= length) break;
      const c = text.charCodeAt(pos);
      if (c === delimiter) {
        empty = false;
        pos++;
        continue;
      }
      // Line break: CRLF, LF or CR.
      pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    yield { fields, line: recordLine, empty };
  }
}

/** Makes header names unique and non-empty the way pandas does ("a", "a.1"; "Unnamed: 3"). */
function uniqueColumnNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((raw, i) => {
    const base = raw === '' ? `Unnamed: ${i}` : raw;
    let candidate = base;
    for (let k = 1; seen.has(candidate); k++) candidate = `${base}.${k}`;
    seen.add(candidate);
    return candidate;
  });
}

/** Parses CSV text into column names and rows of strings (null = missing). */
export function parseCsv(text: string, options: ParseCsvOptions = {}): ParsedCsv {
  const name = options.name ?? 'CSV';
  const delimiterText = options.delimiter ?? ',';
  if (delimiterText.length !== 1 || delimiterText === '"' || delimiterText === '\n' || delimiterText === '\r') {
    throw new Error(`${name}: the delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiterText)}`);
  }
  const delimiter = delimiterText.charCodeAt(0);
  const header = options.header ?? true;
  const na = new Set(options.naValues ?? DEFAULT_NA_VALUES);

  let columns: string[] | undefined;
  let width = -1;
  let headerLine = 0;
  const rows: (string | null)[][] = [];
  for (const record of readRecords(text, delimiter, name)) {
    if (record.empty) continue;
    if (width < 0) {
      width = record.fields.length;
      headerLine = record.line;
      if (header) {
        columns = uniqueColumnNames(record.fields);
        continue;
      }
      columns = record.fields.map((_, i) => String(i));
    }
    if (record.fields.length !== width) {
      const source = header ? `the header (line ${headerLine}) has` : `the first record (line ${headerLine}) has`;
      throw new Error(`${name}: line ${record.line}: expected ${width} fields, got ${record.fields.length} (${source} ${width})`);
    }
    rows.push(record.fields.map((f) => (na.has(f) ? null : f)));
  }
  if (columns === undefined) throw new Error(`${name}: no data: the CSV text is empty`);
  return { columns, rows };
}

export interface FormatCsvOptions {
  delimiter?: string;
  /** Written for null cells. Default '' (empty field). */
  naRepresentation?: string;
  /** Line terminator. Default '\n'. */
  lineTerminator?: '\n' | '\r\n';
}

/** Quotes a field when it must be quoted (delimiter, quote, line break, or leading/trailing space). */
export function quoteCsvField(value: string, delimiter = ','): string {
  const needsQuotes =
    value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r') ||
    value !== value.trim();
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Writes a header and rows as RFC 4180 CSV text (numbers with full precision). */
export function formatCsv(
  columns: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
  options: FormatCsvOptions = {},
): string {
  const delimiter = options.delimiter ?? ',';
  const na = options.naRepresentation ?? '';
  const eol = options.lineTerminator ?? '\n';
  const formatCell = (cell: string | number | null): string => {
    if (cell === null || (typeof cell === 'number' && Number.isNaN(cell))) return na;
    return quoteCsvField(typeof cell === 'number' ? String(cell) : cell, delimiter);
  };
  const lines = [columns.map((c) => quoteCsvField(c, delimiter)).join(delimiter)];
  for (const row of rows) {
    if (row.length !== columns.length) {
      throw new Error(`formatCsv: a row has ${row.length} cells but there are ${columns.length} columns`);
    }
    const line = row.map(formatCell).join(delimiter);
    // An empty line would be skipped when read back; a quoted empty field keeps the row.
    lines.push(line === '' ? '""' : line);
  }
  return lines.join(eol) + eol;
}

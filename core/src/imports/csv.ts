/**
 * CSV text (RFC 4180: a delimiter, optional double quotes, "" inside quotes, LF or CRLF line ends, an optional
 * UTF-8 BOM) as records with their 1-based line numbers. The delimiter is given or detected from the first line
 * (comma, semicolon, tab or pipe: the one that occurs most often outside quotes).
 */

export class CsvError extends Error {
  override name = 'CsvError';
}

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

export interface CsvOptions {
  delimiter?: string;
  /** Builds the error thrown on malformed text (default CsvError). */
  error?: (message: string) => Error;
}

const CANDIDATES = [',', ';', '\t', '|'];

/** The delimiter of a CSV text: the candidate found most often in its first line outside quotes (comma on a tie). */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const c of CANDIDATES) if (counts.get(c)! > counts.get(best)!) best = c;
  return best;
}

/** Records of a CSV text; throws on an unterminated quote or text after a closing quote. Blank lines are skipped. */
export function parseCsv(text: string, label: string, options: CsvOptions = {}): CsvRecord[] {
  const fail = options.error ?? ((message: string) => new CsvError(message));
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= text.length) throw fail(`${label} line ${quoteLine}, column ${fields.length + 1}: unterminated quoted field`);
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          throw fail(`${label} line ${line}, column ${fields.length + 1}: unexpected ${JSON.stringify(text[i])} after a closing quote`);
        }
      } else {
        const from = i;
        while (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        field = text.slice(from, i);
      }
      fields.push(field);
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    if (!(fields.length === 1 && fields[0]!.trim() === '')) records.push({ line: start, fields });
    line++;
  }
  return records;
}

/**
 * Text folded to Unicode compatibility forms (NFKC) for matching, with a way back to the original:
 * full-width digits and signs (`１３８…`, `＠`, `＋`) become ASCII, so the detectors see `138…@+`.
 *
 * Each code point is normalised on its own, so every folded character comes from exactly one original
 * code point and a span found in the folded text maps back to whole original code points. The price is
 * that combining sequences are not composed (`e` + U+0301 stays two characters); the e-mail pattern
 * accepts combining marks for that reason.
 */
export interface FoldedText {
  readonly text: string;
  /** Index in the original text where the code point behind folded index `index` starts. */
  originalStart(index: number): number;
  /** Index in the original text just after the code point behind folded index `index - 1`. */
  originalEnd(index: number): number;
}

const ASCII_ONLY = /^[\x00-\x7F]*$/;

export function foldText(original: string): FoldedText {
  if (ASCII_ONLY.test(original)) {
    return { text: original, originalStart: (index) => index, originalEnd: (index) => index };
  }
  let text = '';
  // starts[i] / ends[i]: original bounds of the code point that produced folded character i.
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (const codePoint of original) {
    const folded = codePoint.charCodeAt(0) < 0x80 ? codePoint : codePoint.normalize('NFKC');
    const end = offset + codePoint.length;
    for (let i = 0; i < folded.length; i++) {
      starts.push(offset);
      ends.push(end);
    }
    text += folded;
    offset = end;
  }
  return {
    text,
    originalStart: (index) => (index >= starts.length ? original.length : starts[index]!),
    originalEnd: (index) => (index <= 0 ? 0 : ends[index - 1]!),
  };
}

/**
 * Chinese licence-plate text normalisation (GA 36-2018 formats), pure: OCR text in,
 * canonical plate out. Canonical form has no separator: province character, issuing-office
 * letter, then 5 characters (ordinary plates) or 6 (new-energy plates), letters I and O
 * never occur (read as 1 and 0). Some plates end in a use character (学 警 挂 港 澳 领 试 超).
 * The analytics and alert code reuse this to compare plates.
 */

/** The 31 provincial-level abbreviations used as the first plate character. */
export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
/** Use characters that may end a plate instead of the last alphanumeric. */
export const PLATE_SUFFIXES = '学警挂港澳领试超';

export type PlateKind = 'ordinary' | 'new-energy';

export interface NormalisedPlate {
  /** Canonical text, e.g. `苏ED51712`. */
  text: string;
  kind: PlateKind;
}

const LETTER = /^[A-HJ-NP-Z]$/;

/** Lookalikes OCR produces for the issuing-office letter (a digit there is never valid). */
const LETTER_FIX: Record<string, string> = {
  '0': 'D',
  '1': 'J',
  '2': 'Z',
  '4': 'A',
  '5': 'S',
  '6': 'G',
  '8': 'B',
};

/** Full-width ASCII → half-width; drops separators and whitespace. */
function clean(raw: string): string {
  let s = '';
  for (const ch of raw.normalize('NFKC').toUpperCase()) {
    if (/[\s·•.\-_:：,，'"|/\\()[\]（）【】]/.test(ch)) continue;
    s += ch;
  }
  return s;
}

function tail(chars: string[]): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    let c = chars[i]!;
    if (c === 'I') c = '1';
    else if (c === 'O') c = '0';
    if (/^[A-Z0-9]$/.test(c)) out.push(c);
    else if (i === chars.length - 1 && PLATE_SUFFIXES.includes(c)) out.push(c);
    else return undefined;
  }
  return out;
}

/**
 * Normalises OCR text to a plate, or undefined when it cannot be one. Text before the
 * province character is dropped (OCR often reads a frame or sticker edge).
 */
export function normalisePlate(raw: string): NormalisedPlate | undefined {
  const s = [...clean(raw)];
  for (let start = 0; start < s.length; start++) {
    const p = s[start]!;
    if (!PROVINCES.includes(p)) continue;
    let letter = s[start + 1];
    if (letter === undefined) return undefined;
    letter = LETTER_FIX[letter] ?? letter;
    if (!LETTER.test(letter)) continue;
    const rest = tail(s.slice(start + 2));
    if (!rest) continue;
    const t = rest.join('');
    if (rest.length === 5) return { text: `${p}${letter}${t}`, kind: 'ordinary' };
    // New-energy: 6 characters, D/F first (small cars) or last (large vehicles).
    if (rest.length === 6 && (/^[DF][A-HJ-NP-Z0-9]\d{4}$/.test(t) || /^\d{5}[DF]$/.test(t))) {
      return { text: `${p}${letter}${t}`, kind: 'new-energy' };
    }
  }
  return undefined;
}

/** Display form with the conventional separator: `苏E·D51712`. */
export function displayPlate(text: string): string {
  const chars = [...text];
  return chars.length > 2 ? `${chars.slice(0, 2).join('')}·${chars.slice(2).join('')}` : text;
}

/** True when `text` is already a canonical plate. */
export function isPlate(text: string): boolean {
  return normalisePlate(text)?.text === text;
}

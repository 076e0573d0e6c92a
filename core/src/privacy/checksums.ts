/** Luhn (mod 10) check used by payment card numbers. Expects a string of ASCII digits. */
export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const MOD_11_2_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const MOD_11_2_CHECK_CHARS = '10X98765432';

/** ISO 7064 MOD 11-2 check of an 18-character Chinese resident identity number (17 digits + digit or X). */
export function passesMod11_2(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (id.charCodeAt(i) - 48) * (MOD_11_2_WEIGHTS[i] ?? 0);
  return MOD_11_2_CHECK_CHARS[sum % 11] === id[17]!.toUpperCase();
}

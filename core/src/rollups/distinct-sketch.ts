/**
 * The rollups' mergeable distinct count (visitors, purchasers): distinct counts do not add up across hours, files or
 * values, so each rollup row keeps a sketch of its persons and readers merge sketches, never counts.
 *
 * Two forms, one byte layout each (byte 0: form, byte 1: precision p):
 * - sparse `[1, p, h1, h2, …]`: the sorted distinct 32-bit hashes (big-endian) of the ids. Exact up to hash
 *   collisions (about n^2 / 2^33: 1 in 8,000 at 1,024 ids). Kept while it holds at most 2^p / 4 hashes, so it is
 *   never larger than the dense form.
 * - dense `[2, p, r0 … r(2^p - 1)]`: HyperLogLog registers (index: the top p bits of the hash, rank: leading zeros
 *   of the other 32 - p bits + 1). Relative standard error 1.04 / sqrt(2^p): 1.6 % at the default p = 12.
 * A merge of sparse sketches stays sparse (and exact) while the union is small; anything beyond turns dense.
 */
import { hllEstimate, idHash64 } from './hyperloglog';

/** Precision of the sketches of the KPIs (`total` per hour, `event` for purchasers): 1.6 % standard error. */
export const SKETCH_PRECISION = 12;
/**
 * Precision of the breakdown values' sketches (pages, channels, …): 3.25 % standard error, as the live counters. There
 * is one such sketch per file, dimension and value, and they are most of a rollup's bytes (docs/rollups.md).
 */
export const VALUE_SKETCH_PRECISION = 10;
/** Relative standard error of a dense sketch of precision p. */
export const sketchStandardError = (precision = SKETCH_PRECISION): number => 1.04 / Math.sqrt(2 ** precision);

const SPARSE = 1;
const DENSE = 2;

/** The 32-bit hash a sketch keeps of an id (the first half of the live counters' 64-bit hash). */
export const sketchHash = (id: string): number => idHash64(id)[0];

export class DistinctSketch {
  readonly precision: number;
  #sparse: Set<number> | null = new Set();
  #registers: Uint8Array | null = null;

  constructor(precision = SKETCH_PRECISION) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 16) throw new Error(`DistinctSketch: precision ${precision} outside 4..16`);
    this.precision = precision;
  }

  get isExact(): boolean {
    return this.#sparse !== null;
  }

  add(id: string): this {
    return this.addHash(sketchHash(id));
  }

  addHash(hash: number): this {
    if (this.#sparse) {
      this.#sparse.add(hash >>> 0);
      if (this.#sparse.size > this.#sparseLimit()) this.#densify();
    } else {
      this.#addToRegisters(hash);
    }
    return this;
  }

  merge(other: DistinctSketch): this {
    if (other.precision !== this.precision) throw new Error(`DistinctSketch: cannot merge precision ${other.precision} into ${this.precision}`);
    if (other.#sparse) {
      for (const hash of other.#sparse) this.addHash(hash);
      return this;
    }
    if (this.#sparse) this.#densify();
    const mine = this.#registers!;
    const theirs = other.#registers!;
    for (let i = 0; i < mine.length; i++) if (theirs[i]! > mine[i]!) mine[i] = theirs[i]!;
    return this;
  }

  /** Precision of encoded sketch bytes. */
  static precisionOf(bytes: Uint8Array): number {
    return header(bytes).precision;
  }

  /** Merges encoded bytes without decoding them into a second object first (the readers' hot path). */
  mergeBytes(bytes: Uint8Array): this {
    const { form, precision } = header(bytes);
    if (precision !== this.precision) throw new Error(`DistinctSketch: cannot merge precision ${precision} into ${this.precision}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (form === SPARSE) {
      for (let offset = 2; offset < bytes.length; offset += 4) this.addHash(view.getUint32(offset));
      return this;
    }
    if (this.#sparse) this.#densify();
    const mine = this.#registers!;
    for (let i = 0; i < mine.length; i++) {
      const r = bytes[2 + i]!;
      if (r > mine[i]!) mine[i] = r;
    }
    return this;
  }

  estimate(): number {
    return this.#sparse ? this.#sparse.size : hllEstimate(this.#registers!);
  }

  encode(): Uint8Array {
    if (this.#sparse) {
      const hashes = Uint32Array.from(this.#sparse).sort();
      const bytes = new Uint8Array(2 + hashes.length * 4);
      bytes[0] = SPARSE;
      bytes[1] = this.precision;
      const view = new DataView(bytes.buffer);
      hashes.forEach((hash, i) => view.setUint32(2 + i * 4, hash));
      return bytes;
    }
    const bytes = new Uint8Array(2 + this.#registers!.length);
    bytes[0] = DENSE;
    bytes[1] = this.precision;
    bytes.set(this.#registers!, 2);
    return bytes;
  }

  static decode(bytes: Uint8Array): DistinctSketch {
    const { precision } = header(bytes);
    return new DistinctSketch(precision).mergeBytes(bytes);
  }

  static of(ids: Iterable<string>, precision = SKETCH_PRECISION): DistinctSketch {
    const sketch = new DistinctSketch(precision);
    for (const id of ids) sketch.add(id);
    return sketch;
  }

  #sparseLimit(): number {
    return 2 ** this.precision / 4;
  }

  #densify(): void {
    this.#registers = new Uint8Array(2 ** this.precision);
    for (const hash of this.#sparse!) this.#addToRegisters(hash);
    this.#sparse = null;
  }

  #addToRegisters(hash: number): void {
    const p = this.precision;
    const index = hash >>> (32 - p);
    const rest = (hash << p) >>> 0;
    const rank = rest === 0 ? 32 - p + 1 : Math.clz32(rest) + 1;
    if (rank > this.#registers![index]!) this.#registers![index] = rank;
  }
}

function header(bytes: Uint8Array): { form: number; precision: number } {
  const form = bytes[0];
  const precision = bytes[1] ?? 0;
  if (form === SPARSE && (bytes.length - 2) % 4 === 0) return { form, precision };
  if (form === DENSE && bytes.length === 2 + 2 ** precision) return { form, precision };
  throw new Error(`DistinctSketch: not a sketch (${bytes.length} bytes, form ${String(form)}, precision ${precision})`);
}

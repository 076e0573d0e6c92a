/**
 * Moved from worker-edge (live counters) to core so that the rollups (distinct-sketch.ts) hash persons the same way.
 *
 * Distinct persons per minute and per 5-minute bucket without keeping their ids: a HyperLogLog
 * sketch of 2^10 registers (standard error about 3 %, exact in practice below a few hundred
 * thousand distinct ids thanks to linear counting). Sketches of shards and of consecutive buckets
 * merge by taking the larger register, so "persons in these 10 minutes over all shards" is exact
 * up to the sketch's error, not a sum that counts a person once per minute and per shard.
 */
export const HLL_PRECISION = 10;
export const HLL_REGISTERS = 1 << HLL_PRECISION;

const HEX_ID = /^[0-9a-f]{16}/i;

export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(registers: Uint8Array = new Uint8Array(HLL_REGISTERS)) {
    if (registers.length !== HLL_REGISTERS) throw new Error(`HyperLogLog: expected ${HLL_REGISTERS} registers, got ${registers.length}`);
    this.registers = registers;
  }

  /** Ids at the edge are already keyed hashes (32 hex): their first 64 bits are used as the hash. */
  add(id: string): void {
    const [high, low] = idHash64(id);
    const index = high >>> (32 - HLL_PRECISION);
    const rest = (high << HLL_PRECISION) >>> 0;
    const rank = rest === 0 ? 32 - HLL_PRECISION + Math.clz32(low) + 1 : Math.clz32(rest) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  merge(other: HyperLogLog): this {
    for (let i = 0; i < HLL_REGISTERS; i++) if (other.registers[i]! > this.registers[i]!) this.registers[i] = other.registers[i]!;
    return this;
  }

  estimate(): number {
    return hllEstimate(this.registers);
  }

  /** Sparse (index, rank) triples while that is smaller; the dense registers otherwise. */
  encode(): Uint8Array {
    let used = 0;
    for (const register of this.registers) if (register !== 0) used++;
    if (used * 3 >= HLL_REGISTERS) return this.registers.slice();
    const sparse = new Uint8Array(used * 3);
    let offset = 0;
    this.registers.forEach((register, index) => {
      if (register === 0) return;
      sparse[offset++] = index >>> 8;
      sparse[offset++] = index & 0xff;
      sparse[offset++] = register;
    });
    return sparse;
  }

  static decode(bytes: Uint8Array | ArrayBuffer): HyperLogLog {
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    if (data.length === HLL_REGISTERS) return new HyperLogLog(data.slice());
    if (data.length % 3 !== 0) throw new Error(`HyperLogLog: a sparse sketch has a multiple of 3 bytes, got ${data.length}`);
    const sketch = new HyperLogLog();
    for (let offset = 0; offset < data.length; offset += 3) sketch.registers[(data[offset]! << 8) | data[offset + 1]!] = data[offset + 2]!;
    return sketch;
  }
}

/**
 * The classic HyperLogLog estimate of registers of any power-of-two length m (Flajolet et al. 2007): the harmonic
 * mean of 2^register, with linear counting m ln(m / zeros) while the raw estimate is below 2.5 m.
 */
export function hllEstimate(registers: Uint8Array): number {
  const m = registers.length;
  const alpha = 0.7213 / (1 + 1.079 / m);
  let sum = 0;
  let zeros = 0;
  for (const register of registers) {
    sum += 2 ** -register;
    if (register === 0) zeros++;
  }
  const raw = (alpha * m * m) / sum;
  if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
  return Math.round(raw);
}

/** 64 bits of an id as two unsigned 32-bit halves: ids at the edge are keyed hashes (hex), taken as they are. */
export function idHash64(id: string): [number, number] {
  return HEX_ID.test(id) ? [Number.parseInt(id.slice(0, 8), 16), Number.parseInt(id.slice(8, 16), 16)] : fnv64(id);
}

/** Two 32-bit FNV-1a hashes with different offsets: only for ids that are not hex hashes already. */
function fnv64(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x01000193) >>> 0;
  }
  return [Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) >>> 0, Math.imul(b ^ (b >>> 13), 0x297a2d39) >>> 0];
}

/**
 * The protobuf wire format, by hand: a writer for the field kinds ONNX files need (varints, 32-bit
 * floats, length-delimited bytes, strings and nested messages) and a reader that walks a message's
 * fields and skips the ones it does not know. protobufjs builds its encoders and decoders with
 * `new Function`, which a Content-Security-Policy without 'unsafe-eval' blocks in the dashboard; these
 * few functions do the same work without generating code.
 */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export class ProtobufWireError extends Error {
  override name = 'ProtobufWireError';
}

const utf8 = new TextEncoder();
const TWO_POW_32 = 2 ** 32;

/** Appends fields to a growing buffer; `finish()` returns exactly the bytes written. */
export class ProtoWriter {
  #bytes = new Uint8Array(256);
  #length = 0;

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.#length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  #byte(value: number): void {
    this.#reserve(1);
    this.#bytes[this.#length++] = value;
  }

  /** A varint of a safe integer; negative values as 64-bit two's complement (10 bytes), as int64 fields need. */
  varint(value: number): this {
    if (!Number.isSafeInteger(value)) throw new ProtobufWireError(`varint: ${value} is not a safe integer`);
    if (value < 0) {
      let big = BigInt.asUintN(64, BigInt(value));
      while (big > 0x7fn) {
        this.#byte(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      this.#byte(Number(big));
      return this;
    }
    while (value > 0x7f) {
      this.#byte((value % 128) | 0x80);
      value = Math.floor(value / 128);
    }
    this.#byte(value);
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  bytes(data: Uint8Array): this {
    this.varint(data.length);
    this.#reserve(data.length);
    this.#bytes.set(data, this.#length);
    this.#length += data.length;
    return this;
  }

  float32(value: number): this {
    this.#reserve(4);
    new DataView(this.#bytes.buffer, this.#bytes.byteOffset + this.#length, 4).setFloat32(0, value, true);
    this.#length += 4;
    return this;
  }

  // -- fields ---------------------------------------------------------------------------------------

  varintField(field: number, value: number): this {
    return this.tag(field, WIRE_VARINT).varint(value);
  }

  stringField(field: number, value: string): this {
    return this.tag(field, WIRE_BYTES).bytes(utf8.encode(value));
  }

  bytesField(field: number, value: Uint8Array): this {
    return this.tag(field, WIRE_BYTES).bytes(value);
  }

  floatField(field: number, value: number): this {
    return this.tag(field, WIRE_FIXED32).float32(value);
  }

  /** A nested message written by `write` into its own writer, then length-prefixed here. */
  messageField(field: number, write: (writer: ProtoWriter) => void): this {
    const nested = new ProtoWriter();
    write(nested);
    return this.bytesField(field, nested.finish());
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

export interface WireField {
  field: number;
  wireType: number;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads one message's fields in order; `end` bounds a nested message. */
export class ProtoReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos: number;
  readonly #end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  #need(count: number, what: string): void {
    if (this.#pos + count > this.#end) throw new ProtobufWireError(`${what} at byte ${this.#pos} runs past the end of its message (byte ${this.#end})`);
  }

  /** An unsigned 64-bit varint as a number when it fits 2^53, else its int64 (two's complement) value. */
  varint(): number {
    let low = 0;
    let high = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      if (i >= 10) throw new ProtobufWireError(`varint at byte ${this.#pos} is longer than 10 bytes`);
      this.#need(1, 'varint');
      const b = this.#bytes[this.#pos++]!;
      if (shift < 28) low |= (b & 0x7f) << shift;
      else if (shift === 28) {
        low |= (b & 0x0f) << 28;
        high |= (b & 0x7f) >> 4;
      } else high |= (b & 0x7f) << (shift - 32);
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    low >>>= 0;
    high >>>= 0;
    if (high < 0x200000) return high * TWO_POW_32 + low;
    return Number(BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low)));
  }

  /** The next field's number and wire type. */
  field(): WireField {
    const key = this.varint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === 0) throw new ProtobufWireError(`field number 0 at byte ${this.#pos}`);
    return { field, wireType };
  }

  #expect(actual: number, expected: number, what: string): void {
    if (actual !== expected) throw new ProtobufWireError(`${what}: wire type ${actual}, expected ${expected}`);
  }

  bytes(wireType: number, what = 'bytes'): Uint8Array {
    this.#expect(wireType, WIRE_BYTES, what);
    const length = this.varint();
    this.#need(length, what);
    const out = this.#bytes.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return out;
  }

  string(wireType: number, what = 'string'): string {
    const raw = this.bytes(wireType, what);
    try {
      return utf8Decoder.decode(raw);
    } catch (error) {
      throw new ProtobufWireError(`${what}: invalid UTF-8`, { cause: error });
    }
  }

  int(wireType: number, what = 'integer'): number {
    this.#expect(wireType, WIRE_VARINT, what);
    return this.varint();
  }

  float32(wireType: number, what = 'float'): number {
    this.#expect(wireType, WIRE_FIXED32, what);
    this.#need(4, what);
    const value = this.#view.getFloat32(this.#pos, true);
    this.#pos += 4;
    return value;
  }

  /** A nested message: a reader over its bytes. */
  message(wireType: number, what = 'message'): ProtoReader {
    const body = this.bytes(wireType, what);
    return new ProtoReader(body);
  }

  /** Repeated varints, packed (one length-delimited run) or not (one value per field). */
  ints(wireType: number, into: number[], what = 'repeated integer'): void {
    if (wireType === WIRE_VARINT) {
      into.push(this.varint());
      return;
    }
    const packed = this.message(wireType, what);
    while (!packed.done) into.push(packed.varint());
  }

  /** Repeated 32-bit floats, packed or not. */
  floats(wireType: number, into: number[], what = 'repeated float'): void {
    if (wireType === WIRE_FIXED32) {
      into.push(this.float32(wireType, what));
      return;
    }
    const packed = this.message(wireType, what);
    while (!packed.done) into.push(packed.float32(WIRE_FIXED32, what));
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.#need(8, 'fixed64');
        this.#pos += 8;
        return;
      case WIRE_BYTES:
        this.bytes(wireType);
        return;
      case WIRE_FIXED32:
        this.#need(4, 'fixed32');
        this.#pos += 4;
        return;
      default:
        throw new ProtobufWireError(`unsupported wire type ${wireType} at byte ${this.#pos}`);
    }
  }
}

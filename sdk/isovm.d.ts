// The contract API of isovm, for TypeScript: what a contract can reach, with IOST's names.
// Include it in a contract project (see sdk/tsconfig.json) and `tsc` checks the contract
// against what isovm runs. Everything here is a global; a contract ends with
// `module.exports = ClassName;`. docs/contracts.md has the semantics and where they differ
// from IOST's; anything not declared here does not exist in isovm.

/** The contract's storage: strings only; keys and fields a write names are 1–64 bytes of the
 * characters 32–126 but `-` and `@`. The `global*` reads read another contract's. */
declare const storage: {
  put(key: string, value: string): void;
  get(key: string): string | null;
  has(key: string): boolean;
  del(key: string): void;
  mapPut(key: string, field: string, value: string): void;
  mapGet(key: string, field: string): string | null;
  mapHas(key: string, field: string): boolean;
  /** The map's fields in the order they were first put. */
  mapKeys(key: string): string[];
  mapLen(key: string): number;
  mapDel(key: string, field: string): void;
  globalGet(contract: string, key: string): string | null;
  globalHas(contract: string, key: string): boolean;
  globalMapGet(contract: string, key: string, field: string): string | null;
  globalMapHas(contract: string, key: string, field: string): boolean;
  globalMapKeys(contract: string, key: string): string[];
  globalMapLen(contract: string, key: string): number;
};

/** A JSON array of call arguments, or its text. */
type CallArgs = unknown[] | string;

declare const blockchain: {
  contractName(): string;
  /** The account that deployed the running contract. */
  contractOwner(): string;
  publisher(): string;
  /** JSON text: `{"number","parent_hash","time","witness"}`. */
  blockInfo(): string;
  /** JSON text: `{"actions":[{"contract","actionName","data"}],"gas_limit","hash","publisher","time"}`. */
  txInfo(): string;
  /** JSON text: `{"abi_name","caller":{"is_account","name"},"contract_name","publisher"}`. */
  contextInfo(): string;
  /** Whether `account@permission` is met by the transaction's signatures (IOST's rules over
   * `auth.iost`'s accounts: declared signers, the publisher's active, `account@permission`
   * items, owner standing for everything), or `account` is a contract that lent its authority
   * with `callWithAuth` up the stack. Unsigned (development mode): the publisher, for any
   * permission but "owner". */
  requireAuth(account: string, permission: string): boolean;
  event(data: string): void;
  /** A line of the transaction's receipt, named `contract/method`. */
  receipt(content: string): void;
  /** A nested call: `[text]`, the callee's return value as text (objects as JSON, undefined
   * as ""); the native token returns its own array. A failing callee fails the whole
   * transaction. */
  call(contract: string, api: string, args: CallArgs): string[];
  /** As `call`, lending the running contract's authority to the callee. */
  callWithAuth(contract: string, api: string, args: CallArgs): string[];
  /** Moves the chain's token (`iost`) with the running contract's authority. */
  transfer(from: string, to: string, amount: string | number | Float64, memo: string): unknown[];
  /** From the running contract to `to`. */
  withdraw(to: string, amount: string | number | Float64, memo: string): unknown[];
  /** From `from` to the running contract. */
  deposit(from: string, amount: string | number | Float64, memo: string): unknown[];
};

/** The block the transaction runs in (frozen). */
declare const block: {
  readonly number: number;
  readonly parentHash: string;
  readonly witness: string;
  /** Milliseconds since the epoch, the same on every node (`Date.now()` returns it). */
  readonly time: number;
};

/** The transaction (frozen). */
declare const tx: {
  readonly time: number;
  readonly hash: string;
  readonly gasLimit: number;
  readonly publisher: string;
};

type BigNumberValue = BigNumber | number | string;

/** IOST's BigNumber: bignumber.js with 50 decimal places, rounding down. */
declare class BigNumber {
  constructor(value: BigNumberValue, base?: number);
  static isBigNumber(value: unknown): value is BigNumber;
  static max(...values: BigNumberValue[]): BigNumber;
  static maximum(...values: BigNumberValue[]): BigNumber;
  static min(...values: BigNumberValue[]): BigNumber;
  static minimum(...values: BigNumberValue[]): BigNumber;
  plus(n: BigNumberValue, base?: number): BigNumber;
  minus(n: BigNumberValue, base?: number): BigNumber;
  times(n: BigNumberValue, base?: number): BigNumber;
  multipliedBy(n: BigNumberValue, base?: number): BigNumber;
  div(n: BigNumberValue, base?: number): BigNumber;
  dividedBy(n: BigNumberValue, base?: number): BigNumber;
  idiv(n: BigNumberValue, base?: number): BigNumber;
  dividedToIntegerBy(n: BigNumberValue, base?: number): BigNumber;
  mod(n: BigNumberValue, base?: number): BigNumber;
  modulo(n: BigNumberValue, base?: number): BigNumber;
  pow(n: BigNumberValue): BigNumber;
  exponentiatedBy(n: BigNumberValue): BigNumber;
  sqrt(): BigNumber;
  shiftedBy(n: number): BigNumber;
  squareRoot(): BigNumber;
  abs(): BigNumber;
  absoluteValue(): BigNumber;
  negated(): BigNumber;
  integerValue(roundingMode?: number): BigNumber;
  dp(): number | null;
  dp(decimalPlaces: number, roundingMode?: number): BigNumber;
  decimalPlaces(): number | null;
  decimalPlaces(decimalPlaces: number, roundingMode?: number): BigNumber;
  comparedTo(n: BigNumberValue, base?: number): number | null;
  eq(n: BigNumberValue, base?: number): boolean;
  isEqualTo(n: BigNumberValue, base?: number): boolean;
  gt(n: BigNumberValue, base?: number): boolean;
  isGreaterThan(n: BigNumberValue, base?: number): boolean;
  gte(n: BigNumberValue, base?: number): boolean;
  isGreaterThanOrEqualTo(n: BigNumberValue, base?: number): boolean;
  lt(n: BigNumberValue, base?: number): boolean;
  isLessThan(n: BigNumberValue, base?: number): boolean;
  lte(n: BigNumberValue, base?: number): boolean;
  isLessThanOrEqualTo(n: BigNumberValue, base?: number): boolean;
  isZero(): boolean;
  isNegative(): boolean;
  isPositive(): boolean;
  isInteger(): boolean;
  isNaN(): boolean;
  isFinite(): boolean;
  precision(includeZeros?: boolean): number;
  precision(significantDigits: number, roundingMode?: number): BigNumber;
  sd(includeZeros?: boolean): number;
  sd(significantDigits: number, roundingMode?: number): BigNumber;
  toExponential(decimalPlaces?: number, roundingMode?: number): string;
  toFixed(decimalPlaces?: number, roundingMode?: number): string;
  toFormat(decimalPlaces?: number, roundingMode?: number): string;
  toPrecision(significantDigits?: number, roundingMode?: number): string;
  /** Throws: not implemented in isovm yet. */
  toFraction(maxDenominator?: BigNumberValue): [BigNumber, BigNumber];
  toString(base?: number): string;
  toNumber(): number;
  valueOf(): string;
  toJSON(): string;
}

/** What Int64 and Float64 share: arithmetic through BigNumber, range-checked. */
interface IostNumber<T> {
  number: BigNumber;
  plus(n: number | string | T): T;
  minus(n: number | string | T): T;
  multi(n: number | string | T): T;
  div(n: number | string | T): T;
  mod(n: number | string | T): T;
  pow(n: number | string | T): T;
  eq(n: number | string | T): boolean;
  gt(n: number | string | T): boolean;
  gte(n: number | string | T): boolean;
  lt(n: number | string | T): boolean;
  lte(n: number | string | T): boolean;
  negated(): T;
  isZero(): boolean;
  isPositive(): boolean;
  isNegative(): boolean;
  toFixed(decimalPlaces?: number): string;
  toString(): string;
  toJSON(): string;
}

/** IOST's Int64: range-checked signed 64-bit integers (`div` divides to an integer). */
declare class Int64 {
  constructor(value: number | string | Int64 | BigNumber, base?: number);
  shift(places: number): Int64;
}
interface Int64 extends IostNumber<Int64> {}

/** IOST's Float64. */
declare class Float64 {
  constructor(value: number | string | Float64 | BigNumber);
}
interface Float64 extends IostNumber<Float64> {}

declare const IOSTCrypto: {
  /** Base58 of SHA3-256 of the UTF-8 text. */
  sha3(text: string): string;
  /** Lowercase hex of SHA3-256 of the bytes `hex` spells ("" if it is not hex). */
  sha3Hex(hex: string): string;
  /** Lowercase hex of RIPEMD-160 of the bytes `hex` spells ("" if it is not hex). */
  ripemd160Hex(hex: string): string;
  verify(algorithm: string, message: string, signature: string, publicKey: string): number;
};

/** Lines for the node's log, never for a receipt. */
declare const console: {
  log(...values: unknown[]): void;
  info(...values: unknown[]): void;
  debug(...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
};

/** What a contract exports: its class. */
declare const module: { exports: unknown };

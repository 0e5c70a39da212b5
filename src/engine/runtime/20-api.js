// The contract API, under IOST's names: `storage`, `blockchain`, `IOSTCrypto`, `console`.
// BigNumber, Int64 and Float64 are in 21-numbers.js.

// ---- The contract API (IOST names) --------------------------------------------------

G.storage = {
  put: natives.put,
  get: natives.get,
  has: natives.has,
  del: natives.del,
  mapPut: natives.mapPut,
  mapGet: natives.mapGet,
  mapHas: natives.mapHas,
  mapKeys: natives.mapKeys,
  mapLen: natives.mapLen,
  mapDel: natives.mapDel,
  globalGet: natives.globalGet,
  globalHas: natives.globalHas,
  globalMapGet: natives.globalMapGet,
  globalMapHas: natives.globalMapHas,
  globalMapKeys: natives.globalMapKeys,
  globalMapLen: natives.globalMapLen,
};

G.blockchain = {
  contractName: natives.contractName,
  contractOwner: natives.contractOwner,
  blockInfo: natives.blockInfo,
  txInfo: natives.txInfo,
  contextInfo: natives.contextInfo,
  publisher: natives.publisher,
  event: natives.event,
  requireAuth: natives.requireAuth,
  receipt: natives.receipt,
  // IOST's nested calls: `args` an array (sent as its JSON) or the JSON text; the result is
  // `[text]`, the callee's return value as IOST's sandbox writes it (99-internals.js).
  call: (contract, api, args) => callNested(contract, api, args, false),
  callWithAuth: (contract, api, args) => callNested(contract, api, args, true),
  // The chain's token (`token.iost`, `PARAMS.native_token`), with the running contract's
  // authority, as IOST's blockchain.js: the amount through Float64, the memo as text.
  transfer: (from, to, amount, memo) => nativeTransfer(from, to, amount, memo),
  withdraw: (to, amount, memo) => nativeTransfer(natives.contractName(), to, amount, memo),
  deposit: (from, amount, memo) => nativeTransfer(from, natives.contractName(), amount, memo),
};
{
  const names = ["call", "callWithAuth", "transfer", "withdraw", "deposit"];
  for (let i = 0; i < names.length; i++) {
    const fn = G.blockchain[names[i]];
    defineProperty(fn, "name", { value: names[i], configurable: true });
    reflectApply(weakMapSet, wrapperNames, [fn, names[i]]);
    classify(fn, "runtime", `blockchain.${names[i]}`);
  }
}

// IOST's number libraries (BigNumber, Int64, Float64): 21-numbers.js.
G.IOSTCrypto = {
  sha3: natives.sha3,
  sha3Hex: natives.sha3Hex,
  ripemd160Hex: natives.ripemd160Hex,
  verify: natives.verify,
};

const nativeTransfer = (from, to, amount, memo) => {
  if (memo === undefined || memo === null) {
    throw new TypeError(`Cannot read properties of ${memo} (reading 'toString')`);
  }
  const value = amount instanceof G.Float64 ? amount : new G.Float64(amount);
  const args = [NATIVE_TOKEN.symbol, from, to, value.toString(), toStr(memo)];
  return callNested("token.iost", "transfer", args, true);
};

// ---- console ---------------------------------------------------------------------------------
// A line for the node's log, never for a receipt. Each argument is written as the metered
// built-ins write it (a string as itself, else JSON.stringify, else String), so formatting
// pays as they do; the native pays per byte of the line.
const symbolDescriptive = Symbol.prototype.toString;
const formatted = (a) => {
  if (typeof a === "string") return a;
  try {
    const json = JSON.stringify(a);
    if (json !== undefined) return json;
  } catch (e) {
    // Unserializable (a cycle, a BigInt): written as String() writes it.
  }
  return typeof a === "symbol" ? reflectApply(symbolDescriptive, a, []) : toStr(a);
};
const format = (args) => {
  let line = "";
  for (let i = 0; i < args.length; i++) {
    const text = formatted(args[i]);
    line = i === 0 ? text : `${line} ${text}`;
  }
  newString(line.length);
  return line;
};
const logAt = (level, name) => {
  const fn = (...args) => natives.log(level, format(args));
  defineProperty(fn, "name", { value: name, configurable: true });
  return fn;
};
G.console = {
  log: logAt(2, "log"),
  info: logAt(2, "info"),
  debug: logAt(1, "debug"),
  warn: logAt(3, "warn"),
  error: logAt(4, "error"),
};
{
  const names = reflectOwnKeys(G.console);
  for (let i = 0; i < names.length; i++) {
    const fn = G.console[names[i]];
    reflectApply(weakMapSet, wrapperNames, [fn, names[i]]);
    classify(fn, "runtime", `console.${names[i]}`);
  }
}

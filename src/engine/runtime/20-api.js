// The contract API, under IOST's names: `storage`, `blockchain`, `console`, and the parts of
// IOST's library isovm does not have yet (which say so when called).

// ---- The contract API (IOST names) --------------------------------------------------
const notYet = (what) => unavailable(what, "not implemented in isovm yet");

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
  publisher: natives.publisher,
  event: natives.event,
  requireAuth: natives.requireAuth,
  call: notYet("blockchain.call"),
  callWithAuth: notYet("blockchain.callWithAuth"),
  transfer: notYet("blockchain.transfer"),
  withdraw: notYet("blockchain.withdraw"),
  deposit: notYet("blockchain.deposit"),
  receipt: notYet("blockchain.receipt"),
};

// IOST's number and crypto libraries are not in isovm yet: say so rather than leave a
// confusing ReferenceError.
for (const name of ["BigNumber", "Int64", "Float64"]) {
  G[name] = notYet(name);
}
G.IOSTCrypto = {
  sha3: notYet("IOSTCrypto.sha3"),
  sha3Hex: notYet("IOSTCrypto.sha3Hex"),
  ripemd160Hex: notYet("IOSTCrypto.ripemd160Hex"),
  verify: notYet("IOSTCrypto.verify"),
};

const format = (args) => args.map((a) => {
  if (typeof a === "string") return a;
  try {
    const json = JSON.stringify(a);
    return json === undefined ? String(a) : json;
  } catch (e) {
    return String(a);
  }
}).join(" ");
G.console = {
  log: (...args) => natives.log(2, format(args)),
  info: (...args) => natives.log(2, format(args)),
  debug: (...args) => natives.log(1, format(args)),
  warn: (...args) => natives.log(3, format(args)),
  error: (...args) => natives.log(4, format(args)),
};


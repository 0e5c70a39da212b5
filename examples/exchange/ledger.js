// The exchange's ledger: what each buyer bought, recorded only by the market contract (it
// checks its caller), readable by anyone.

class Ledger {
  init() {
    storage.put("sales", "0");
  }

  // Called by the market through blockchain.call, never by an account directly.
  record(buyer, amount, paid) {
    const caller = JSON.parse(blockchain.contextInfo()).caller;
    if (caller.is_account || caller.name !== "market") {
      throw new Error("ledger.record: only the market may record a sale, not " + caller.name);
    }
    const bought = new BigNumber(storage.mapGet("bought", buyer) || "0").plus(amount);
    storage.mapPut("bought", buyer, bought.toFixed());
    const sales = Number(storage.get("sales")) + 1;
    storage.put("sales", String(sales));
    blockchain.event(JSON.stringify({ sale: sales, buyer: buyer, gold: amount, iost: paid }));
    return sales;
  }

  bought(buyer) {
    return storage.mapGet("bought", buyer) || "0";
  }

  buyers() {
    return storage.mapKeys("bought");
  }
}

module.exports = Ledger;

// A market that sells the token `gold` for the chain's token `iost` at a price its owner
// sets. A purchase is three contracts in one transaction: the buyer's iost moves to the
// market (blockchain.deposit), the market's gold moves to the buyer (token.iost through
// callWithAuth, with the market's authority), and the ledger records the sale
// (blockchain.call). If any step fails (the buyer cannot pay, the market is out of gold),
// the whole transaction fails and nothing moves.

const GOLD = "gold";

class Market {
  init() {
    storage.put("owner", blockchain.publisher());
    storage.put("price", "0");
  }

  _owner() {
    const owner = storage.get("owner");
    if (!blockchain.requireAuth(owner, "active")) {
      throw new Error("only the market's owner (" + owner + ") may do this");
    }
    return owner;
  }

  setPrice(price) {
    this._owner();
    const p = new BigNumber(price);
    if (!p.isFinite() || p.lte(0)) throw new Error("price must be positive, got " + price);
    storage.put("price", p.toFixed());
    return p.toFixed();
  }

  // Buys `amount` gold at the current price; returns the sale's number.
  buy(amount) {
    const buyer = blockchain.publisher();
    const price = new BigNumber(storage.get("price"));
    if (price.isZero()) throw new Error("the market is not open: no price set");
    const gold = new BigNumber(amount);
    if (!gold.isInteger() || gold.lte(0)) throw new Error("buy whole gold, got " + amount);
    const cost = gold.times(price).dp(8).toFixed();
    blockchain.deposit(buyer, cost, "gold x" + gold.toFixed());
    blockchain.callWithAuth("token.iost", "transfer", [GOLD, blockchain.contractName(), buyer, gold.toFixed(), "sale"]);
    const sale = blockchain.call("ledger", "record", [buyer, gold.toFixed(), cost]);
    return JSON.parse(sale[0]);
  }

  // The owner takes the proceeds.
  withdraw(amount) {
    const owner = this._owner();
    blockchain.withdraw(owner, amount, "proceeds");
    return this.stock();
  }

  stock() {
    const [gold] = blockchain.call("token.iost", "balanceOf", [GOLD, blockchain.contractName()]);
    const [iost] = blockchain.call("token.iost", "balanceOf", ["iost", blockchain.contractName()]);
    return { gold: gold, iost: iost, price: storage.get("price") };
  }
}

module.exports = Market;

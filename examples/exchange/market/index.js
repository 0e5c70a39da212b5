// A market that sells the token `gold` for the chain's token `iost` at a price its owner
// sets, in four modules: this class, lib/pricing.js, lib/owner.js, config.json, and the
// dependency check-amount under node_modules. A purchase is three contracts in one
// transaction: the buyer's iost moves to the market (blockchain.deposit), the market's gold
// moves to the buyer (token.iost through callWithAuth, with the market's authority), and the
// ledger records the sale (blockchain.call). If any step fails (the buyer cannot pay, the
// market is out of gold), the whole transaction fails and nothing moves.

const config = require("./config.json");
const pricing = require("./lib/pricing");
const owner = require("./lib/owner");
const { wholePositive } = require("check-amount");

class Market {
  init() {
    storage.put("owner", blockchain.publisher());
    storage.put("price", "0");
  }

  setPrice(price) {
    owner.require();
    const p = pricing.positivePrice(price);
    storage.put("price", p);
    return p;
  }

  // Buys `amount` of the goods; returns the sale's number.
  buy(amount) {
    const buyer = blockchain.publisher();
    const price = new BigNumber(storage.get("price"));
    if (price.isZero()) throw new Error("the market is not open: no price set");
    const goods = wholePositive(amount, "amount");
    const cost = pricing.cost(goods, price);
    blockchain.deposit(buyer, cost, config.goods + " x" + goods.toFixed());
    blockchain.callWithAuth("token.iost", "transfer", [config.goods, blockchain.contractName(), buyer, goods.toFixed(), "sale"]);
    const sale = blockchain.call("ledger", "record", [buyer, goods.toFixed(), cost]);
    return JSON.parse(sale[0]);
  }

  // The owner takes the proceeds.
  withdraw(amount) {
    blockchain.withdraw(owner.require(), amount, "proceeds");
    return this.stock();
  }

  stock() {
    const [goods] = blockchain.call("token.iost", "balanceOf", [config.goods, blockchain.contractName()]);
    const [iost] = blockchain.call("token.iost", "balanceOf", ["iost", blockchain.contractName()]);
    return { gold: goods, iost: iost, price: storage.get("price") };
  }
}

module.exports = Market;

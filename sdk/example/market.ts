// The exchange example's market (examples/exchange/market/, a package there) as one TypeScript file, type-checked
// against sdk/isovm.d.ts by tests/sdk.rs, which also compiles it to JavaScript and runs it.

const GOLD = "gold";

interface Stock {
  gold: string;
  iost: string;
  price: string | null;
}

class Market {
  init(): void {
    storage.put("owner", blockchain.publisher());
    storage.put("price", "0");
  }

  _owner(): string {
    const owner = storage.get("owner") ?? "";
    if (!blockchain.requireAuth(owner, "active")) {
      throw new Error(`only the market's owner (${owner}) may do this`);
    }
    return owner;
  }

  setPrice(price: string): string {
    this._owner();
    const p = new BigNumber(price);
    if (!p.isFinite() || p.lte(0)) throw new Error(`price must be positive, got ${price}`);
    storage.put("price", p.toFixed());
    return p.toFixed();
  }

  buy(amount: string): number {
    const buyer = blockchain.publisher();
    const price = new BigNumber(storage.get("price") ?? "0");
    if (price.isZero()) throw new Error("the market is not open: no price set");
    const gold = new BigNumber(amount);
    if (!gold.isInteger() || gold.lte(0)) throw new Error(`buy whole gold, got ${amount}`);
    const cost = gold.times(price).dp(8).toFixed();
    blockchain.deposit(buyer, cost, `gold x${gold.toFixed()}`);
    blockchain.callWithAuth("token.iost", "transfer", [GOLD, blockchain.contractName(), buyer, gold.toFixed(), "sale"]);
    const [sale] = blockchain.call("ledger", "record", [buyer, gold.toFixed(), cost]);
    return JSON.parse(sale) as number;
  }

  withdraw(amount: string): Stock {
    blockchain.withdraw(this._owner(), new Float64(amount), "proceeds");
    return this.stock();
  }

  stock(): Stock {
    const [gold] = blockchain.call("token.iost", "balanceOf", [GOLD, blockchain.contractName()]);
    const [iost] = blockchain.call("token.iost", "balanceOf", ["iost", blockchain.contractName()]);
    const info = JSON.parse(blockchain.contextInfo()) as { caller: { name: string; is_account: boolean } };
    if (info.caller.is_account) console.log("stock asked by", info.caller.name, tx.hash, block.number);
    return { gold: String(gold), iost: String(iost), price: storage.get("price") };
  }
}

module.exports = Market;

// A fungible token, IOST style: the deployer is the issuer; holders transfer; anyone reads.
// Amounts are whole numbers; balances live in the "balances" map as decimal strings.

function checkAmount(amount) {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new Error("amount must be a positive whole number, got " + amount);
  }
}

class Token {
  init() {
    storage.put("issuer", blockchain.publisher());
    storage.put("supply", "0");
  }

  issue(to, amount) {
    const issuer = storage.get("issuer");
    if (!blockchain.requireAuth(issuer, "active")) {
      throw new Error("only the issuer (" + issuer + ") can issue");
    }
    checkAmount(amount);
    storage.mapPut("balances", to, String(this._balance(to) + amount));
    storage.put("supply", String(Number(storage.get("supply")) + amount));
    blockchain.event(JSON.stringify({ issue: to, amount: amount }));
    return this._balance(to);
  }

  transfer(from, to, amount) {
    if (!blockchain.requireAuth(from, "active")) {
      throw new Error("transfer: " + from + " did not sign this transaction");
    }
    checkAmount(amount);
    const balance = this._balance(from);
    if (balance < amount) {
      throw new Error("insufficient balance: " + from + " has " + balance + ", needs " + amount);
    }
    storage.mapPut("balances", from, String(balance - amount));
    storage.mapPut("balances", to, String(this._balance(to) + amount));
    blockchain.event(JSON.stringify({ from: from, to: to, amount: amount }));
    return true;
  }

  balanceOf(who) {
    return this._balance(who);
  }

  holders() {
    return storage.mapKeys("balances");
  }

  supply() {
    return Number(storage.get("supply"));
  }

  _balance(who) {
    return Number(storage.mapGet("balances", who) || "0");
  }
}

module.exports = Token;

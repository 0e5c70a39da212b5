// The market's owner: the account that deployed it, and the check that it signed.
exports.require = function () {
  const owner = storage.get("owner");
  if (!blockchain.requireAuth(owner, "active")) {
    throw new Error("only the market's owner (" + owner + ") may do this");
  }
  return owner;
};

// What a purchase costs, in the chain's token, to the token's places.
const config = require("../config.json");

exports.cost = function (amount, price) {
  return amount.times(price).dp(config.places).toFixed();
};

exports.positivePrice = function (text) {
  const p = new BigNumber(text);
  if (!p.isFinite() || p.lte(0)) throw new Error("price must be positive, got " + text);
  return p.toFixed();
};

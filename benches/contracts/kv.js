// A storage-heavy contract for `isovm bench --throughput`: each call writes `n` fields of its
// owner's map and reads them back. One seed in 97 is refused after the writes, which the
// failed transaction must leave behind.
class Kv {
  init() {}

  fill(owner, n, seed) {
    for (let i = 0; i < n; i++) {
      storage.mapPut(owner, "f" + i, String(seed + i));
    }
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += Number(storage.mapGet(owner, "f" + i));
    }
    if (seed % 97 === 0) {
      throw new Error("seed " + seed + " is refused");
    }
    return sum;
  }
}

module.exports = Kv;

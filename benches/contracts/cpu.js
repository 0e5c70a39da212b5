// A CPU-heavy contract for `isovm bench --throughput`: each call steps a Lehmer generator
// `n` times (exact in doubles: the products stay below 2^53). About one call in a hundred
// ends on a multiple of 100 and fails.
class Cpu {
  init() {}

  work(n, seed) {
    let x = seed % 2147483647 || 1;
    for (let i = 0; i < n; i++) {
      x = (x * 48271) % 2147483647;
    }
    if (x % 100 === 0) {
      throw new Error("unlucky " + x);
    }
    return x;
  }
}

module.exports = Cpu;

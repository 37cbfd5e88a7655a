/* Fixed-point requantization (docs/integer-arithmetic.md §3.1). */

/* round(a * b / 2^31), ties toward +infinity; INT32_MIN^2 saturates. */
static int32_t qc_srdhm(int32_t a, int32_t b) {
  int64_t ab;
  if (a == b && a == INT32_MIN) return INT32_MAX;
  ab = (int64_t)a * (int64_t)b;
  ab += ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  return (int32_t)(ab / ((int64_t)1 << 31));
}

/* round(x / 2^e), ties away from zero; 0 <= e <= 31. */
static int32_t qc_rdbpot(int32_t x, int32_t e) {
  int32_t mask, rem, threshold;
  if (e == 0) return x;
  mask = (int32_t)(((uint32_t)1 << e) - 1u);
  rem = x & mask;
  threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > threshold ? 1 : 0);
}

/* MulQ(x, m, s): x * m * 2^(s - 31) in the gemmlowp convention. */
static int32_t qc_mulq(int32_t x, int32_t m, int32_t s) {
  if (s > 0) {
    const int64_t v = (int64_t)x * ((int64_t)1 << s);
    x = v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
    s = 0;
  }
  return qc_rdbpot(qc_srdhm(x, m), -s);
}

/* clamp(MulQ(acc) + out_zp, lo, hi), clamping before the add. */
static int8_t qc_rq_fixed(const qc_requant_t* r, int32_t acc, int32_t i) {
  const int32_t lo = r->lo - r->out_zp, hi = r->hi - r->out_zp;
  int32_t v = qc_mulq(acc, r->mult[i], r->shift[i]);
  v = v < lo ? lo : (v > hi ? hi : v);
  return (int8_t)(v + r->out_zp);
}

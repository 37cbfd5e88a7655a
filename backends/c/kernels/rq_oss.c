/* TINPU requantization (docs/integer-arithmetic.md §3.2). */

/* floor((acc + offset) * mult / 2^shift), clamped before the zero point. */
static int8_t qc_rq_oss(const qc_requant_t* r, int32_t acc, int32_t i) {
  const int64_t lo = r->lo - r->out_zp, hi = r->hi - r->out_zp;
  int64_t v = ((int64_t)acc + r->offset[i]) * r->mult[i];
  v >>= r->shift[i];
  v = v < lo ? lo : (v > hi ? hi : v);
  return (int8_t)(v + r->out_zp);
}

/* Requantization (docs/integer-arithmetic.md §3). qc_requant, which
 * dispatches to the kinds this network uses, is generated below. */

static int8_t qc_clamp_out(int32_t v, const qc_requant_t* r) {
  const int32_t lo = r->lo - r->out_zp, hi = r->hi - r->out_zp;
  v = v < lo ? lo : (v > hi ? hi : v);
  return (int8_t)(v + r->out_zp);
}

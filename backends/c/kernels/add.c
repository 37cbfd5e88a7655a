/* Fixed point: both inputs at 2^pre_shift times a common scale, then summed. */
void qc_add(const int8_t* a, const int8_t* b, int8_t* out, const qc_binary_t* p) {
  const int32_t pre = (int32_t)1 << p->pre_shift;
  QC_BROADCAST_LOOP(
      p, a, b, out,
      qc_mulq(xa * pre, p->a_mult, p->a_shift) + qc_mulq(xb * pre, p->b_mult, p->b_shift));
}

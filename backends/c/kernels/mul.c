void qc_mul(const int8_t* a, const int8_t* b, int8_t* out, const qc_binary_t* p) {
  const int32_t pre = (int32_t)1 << p->pre_shift;
  QC_BROADCAST_LOOP(p, a, b, out, xa * xb * pre);
}

/* TINPU: inputs aligned by integer (power-of-two) factors, then summed. */
void qc_add_oss(const int8_t* a, const int8_t* b, int8_t* out, const qc_binary_t* p) {
  QC_BROADCAST_LOOP(p, a, b, out, xa * p->a_mult + xb * p->b_mult);
}

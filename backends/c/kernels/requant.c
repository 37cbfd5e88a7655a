void qc_requantize(const int8_t* in, int8_t* out, const qc_requant_op_t* p) {
  const int32_t pre = (int32_t)1 << p->pre_shift;
  int32_t i;
  for (i = 0; i < p->size; ++i) out[i] = qc_requant(&p->rq, ((int32_t)in[i] - p->in_zp) * pre, 0);
}

void qc_fc(const int8_t* in, int8_t* out, const qc_fc_t* p) {
  const int32_t k_in = p->in_features, k_out = p->out_features;
  int32_t r, o, k;
  for (r = 0; r < p->rows; ++r, in += k_in) {
    const int8_t* w = p->weights;
    for (o = 0; o < k_out; ++o) {
      int32_t acc = p->bias[o];
      for (k = 0; k < k_in; ++k) acc += in[k] * *w++;
      *out++ = qc_requant(&p->rq, acc, o);
    }
  }
}

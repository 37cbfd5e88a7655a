void qc_fc(const int8_t* in, int8_t* out, const qc_fc_t* p) {
  int32_t r, o, k;
  for (r = 0; r < p->rows; ++r) {
    const int8_t* x = in + (size_t)r * p->in_features;
    for (o = 0; o < p->out_features; ++o) {
      const int8_t* w = p->weights + (size_t)o * p->in_features;
      int32_t acc = p->bias[o];
      for (k = 0; k < p->in_features; ++k) acc += ((int32_t)x[k] - p->in_zp) * w[k];
      *out++ = qc_requant(&p->rq, acc, o);
    }
  }
}

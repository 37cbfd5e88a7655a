void qc_softmax(const int8_t* in, int8_t* out, const qc_softmax_t* p) {
  int32_t o, i, k;
  for (o = 0; o < p->outer; ++o) {
    for (i = 0; i < p->inner; ++i) {
      const int8_t* x = in + (size_t)o * p->n * p->inner + i;
      int8_t* y = out + (size_t)o * p->n * p->inner + i;
      int32_t mx = -128;
      uint32_t sum = 0;
      for (k = 0; k < p->n; ++k) mx = x[k * p->inner] > mx ? x[k * p->inner] : mx;
      for (k = 0; k < p->n; ++k) sum += p->exp_table[mx - x[k * p->inner]];
      for (k = 0; k < p->n; ++k) {
        const uint64_t e = p->exp_table[mx - x[k * p->inner]];
        const int32_t prob = (int32_t)(((e << 30) + sum / 2u) / sum);
        y[k * p->inner] = qc_requant(&p->rq, prob, 0);
      }
    }
  }
}

void qc_concat_part(const int8_t* in, int8_t* out, const qc_concat_part_t* p) {
  const int32_t pre = (int32_t)1 << p->pre_shift;
  int32_t o, j;
  for (o = 0; o < p->outer; ++o) {
    int8_t* y = out + (size_t)o * p->out_row;
    if (p->copy) {
      for (j = 0; j < p->slice; ++j) y[j] = in[j];
    } else {
      for (j = 0; j < p->slice; ++j)
        y[j] = qc_requant(&p->rq, ((int32_t)in[j] - p->in_zp) * pre, 0);
    }
    in += p->slice;
  }
}

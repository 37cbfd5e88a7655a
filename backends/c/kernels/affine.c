void qc_affine(const int8_t* in, int8_t* out, const qc_affine_t* p) {
  int32_t i0, i1, i2, i3;
  for (i0 = 0; i0 < p->dims[0]; ++i0) {
    for (i1 = 0; i1 < p->dims[1]; ++i1) {
      for (i2 = 0; i2 < p->dims[2]; ++i2) {
        for (i3 = 0; i3 < p->dims[3]; ++i3) {
          const int32_t j =
              i0 * p->c_stride[0] + i1 * p->c_stride[1] + i2 * p->c_stride[2] + i3 * p->c_stride[3];
          *out++ = qc_requant(&p->rq, ((int32_t)*in++ - p->in_zp) * p->scale[j] + p->bias[j], 0);
        }
      }
    }
  }
}

/* The broadcast loop nest shared by Add and Mul: for every output element
 * in order, xa and xb are the centered operands and COMBINE the int32
 * accumulator that is requantized. */
#define QC_BROADCAST_LOOP(p, a, b, out, COMBINE)                                    \
  do {                                                                              \
    int32_t i0, i1, i2, i3;                                                         \
    for (i0 = 0; i0 < (p)->dims[0]; ++i0)                                           \
      for (i1 = 0; i1 < (p)->dims[1]; ++i1)                                         \
        for (i2 = 0; i2 < (p)->dims[2]; ++i2)                                       \
          for (i3 = 0; i3 < (p)->dims[3]; ++i3) {                                   \
            const int32_t xa = (a)[i0 * (p)->a_stride[0] + i1 * (p)->a_stride[1] +  \
                                   i2 * (p)->a_stride[2] + i3 * (p)->a_stride[3]] - \
                               (p)->a_zp;                                           \
            const int32_t xb = (b)[i0 * (p)->b_stride[0] + i1 * (p)->b_stride[1] +  \
                                   i2 * (p)->b_stride[2] + i3 * (p)->b_stride[3]] - \
                               (p)->b_zp;                                           \
            *(out)++ = qc_requant(&(p)->rq, (COMBINE), 0);                          \
          }                                                                         \
  } while (0)

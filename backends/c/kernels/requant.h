/* Elementwise requantization (Relu, Clip, rescale): out may alias in. */
typedef struct {
  int32_t size;
  int32_t in_zp, pre_shift;
  qc_requant_t rq;
} qc_requant_op_t;

void qc_requantize(const int8_t* in, int8_t* out, const qc_requant_op_t* p);

/* Softmax over n elements strided by `inner`, for outer x inner rows. */
typedef struct {
  int32_t outer, n, inner;
  const uint32_t* exp_table; /* round(2^20 exp(-s d)), d = 0..255 */
  qc_requant_t rq;
} qc_softmax_t;

void qc_softmax(const int8_t* in, int8_t* out, const qc_softmax_t* p);

/* Pooling over NCHW windows (nc = batch x channels; 1-D: h = 1). */
typedef struct {
  int32_t nc, h, w, oh, ow;
  int32_t kh, kw, sh, sw, dh, dw, ph, pw;
  int32_t in_zp;
  int32_t pre_shift;
  int32_t per_count; /* avg: rq entry = number of real taps - 1 */
  qc_requant_t rq;
} qc_pool_t;

/* Conv, NCHW int8 (a 1-D conv has h = 1), groups, stride, pads, dilation. */
typedef struct {
  int32_t n, c, h, w; /* input */
  int32_t m, oh, ow;  /* output channels and size */
  int32_t kh, kw, sh, sw, dh, dw;
  int32_t ph, pw; /* padding before row 0 / column 0 */
  int32_t group;
  int32_t in_zp;
  const int8_t* weights; /* [m][c / group][kh][kw] */
  const int32_t* bias;   /* [m] */
  qc_requant_t rq;       /* per output channel */
} qc_conv_t;

void qc_conv(const int8_t* in, int8_t* out, const qc_conv_t* p);

/* Elementwise binary ops with NumPy broadcasting (rank <= 4). A stride of 0
 * repeats an operand along that dim. out may alias an operand that is not
 * broadcast (in-place). */
typedef struct {
  int32_t dims[4];
  int32_t a_stride[4], b_stride[4];
  int32_t a_zp, b_zp;
  int32_t pre_shift;
  int32_t a_mult, a_shift, b_mult, b_shift; /* add: the inputs' scaling */
  qc_requant_t rq;
} qc_binary_t;

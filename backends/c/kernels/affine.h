/* y = requant((x - zp) * scale[j] + bias[j]): an activation and a constant
 * (a bias the model keeps in float, a constant scale). j follows the
 * output position through the constant's broadcast strides (rank <= 4);
 * out may alias in. */
typedef struct {
  int32_t dims[4];
  int32_t c_stride[4];
  int32_t in_zp;
  const int32_t* scale;
  const int32_t* bias;
  qc_requant_t rq;
} qc_affine_t;

void qc_affine(const int8_t* in, int8_t* out, const qc_affine_t* p);

/* Float <-> int8 conversions of the float wrappers (spec §6), per tensor or
 * per channel (channel = (i / inner) % channels). */
typedef struct {
  int32_t size, channels, inner;
  const float* scale;  /* QuantizeLinear (NULL for the TINPU block) */
  const int32_t* zp;   /* the model's zero points */
  const float* offset; /* TINPU block: floor(((x + offset) * mult) * shift_mult) */
  const float* mult;
  const float* shift_mult;
  int32_t lo, hi;         /* the model's integer range */
  int32_t storage_offset; /* -128 for uint8 / unsigned models, else 0 */
} qc_input_quant_t;

void qc_quantize_input(const float* x, int8_t* q, const qc_input_quant_t* p);
/* y[i] = (q[i] - zp) * scale; y may be the same memory as q (the loop runs
 * backwards, reading q[i] before writing y[i]). */
void qc_dequantize_output(const int8_t* q, float* y, int32_t size, float scale, int32_t zp);

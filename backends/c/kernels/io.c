/* t rounded to an integer, ties to even (|t| <= 2^22). */
static float qc_round_even(float t) {
  const float r = (float)(int32_t)t; /* truncates toward zero, exactly */
  const float d = t - r;             /* exact */
  const int32_t odd = (int32_t)r & 1;
  if (d > 0.5f || (d == 0.5f && odd)) return r + 1.0f;
  if (d < -0.5f || (d == -0.5f && odd)) return r - 1.0f;
  return r;
}

/* floor(t) (|t| <= 2^22). */
static float qc_floor(float t) {
  const float r = (float)(int32_t)t;
  return r > t ? r - 1.0f : r;
}

void qc_quantize_input(const float* x, int8_t* q, const qc_input_quant_t* p) {
  int32_t i;
  for (i = 0; i < p->size; ++i) {
    const int32_t c = p->channels > 1 ? (i / p->inner) % p->channels : 0;
    float t, v;
    if (p->scale != NULL) {
      t = x[i] / p->scale[c];
    } else {
      t = x[i] + p->offset[c];
      t = t * p->mult[c];
      t = t * p->shift_mult[c];
    }
    if (t != t) {
      v = p->scale != NULL ? (float)p->zp[c] : 0.0f; /* NaN means real 0 */
    } else {
      t = t < -1024.0f ? -1024.0f : (t > 1024.0f ? 1024.0f : t); /* saturates anyway */
      v = p->scale != NULL ? qc_round_even(t) + (float)p->zp[c] : qc_floor(t);
    }
    v = v < (float)p->lo ? (float)p->lo : (v > (float)p->hi ? (float)p->hi : v);
    q[i] = (int8_t)((int32_t)v + p->storage_offset);
  }
}

void qc_dequantize_output(const int8_t* q, float* y, int32_t size, float scale, int32_t zp) {
  int32_t i;
  for (i = size; i-- > 0;) {
    const int32_t v = q[i];
    y[i] = (float)(v - zp) * scale;
  }
}

void qc_lut(const int8_t* in, int8_t* out, int32_t size, const int8_t* table) {
  int32_t i;
  for (i = 0; i < size; ++i) out[i] = table[in[i] + 128];
}

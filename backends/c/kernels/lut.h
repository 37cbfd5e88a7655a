/* y = table[x + 128] (Sigmoid, Tanh, ...): out may alias in. */
void qc_lut(const int8_t* in, int8_t* out, int32_t size, const int8_t* table);

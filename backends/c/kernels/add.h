void qc_add(const int8_t* a, const int8_t* b, int8_t* out, const qc_binary_t* p);

void qc_avg_pool(const int8_t* in, int8_t* out, const qc_pool_t* p);

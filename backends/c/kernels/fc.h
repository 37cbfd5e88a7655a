/* Fully connected: rows x in_features -> rows x out_features. */
typedef struct {
  int32_t rows, in_features, out_features;
  const int8_t* weights; /* [out_features][in_features] */
  const int32_t* bias;   /* bias - in_zp * sum of the row's weights (compile time) */
  qc_requant_t rq;       /* per output feature */
} qc_fc_t;

void qc_fc(const int8_t* in, int8_t* out, const qc_fc_t* p);

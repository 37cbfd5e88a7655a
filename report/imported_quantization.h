// How a model quantized elsewhere is quantized, tensor by tensor, for
// `quantc inspect` and `quantc quantize --report/--verbose` on such models.
#ifndef QUANTC_REPORT_IMPORTED_QUANTIZATION_H_
#define QUANTC_REPORT_IMPORTED_QUANTIZATION_H_

#include <string>
#include <vector>

#include "ir/graph.h"

namespace quantc {

/// One quantized tensor of an imported model (after import_quantization).
struct TensorQuantization {
  std::string name;    ///< the float tensor (activation), or the layer (weight, bias)
  std::string kind;    ///< "activation", "weight", "bias"
  std::string layer;   ///< producer (activation) or reading layer (weight, bias)
  DType storage;       ///< u8, i8, i32
  int bits;            ///< width of the storage type
  int64_t qmin, qmax;  ///< weights: the integer range the values use
  std::string scheme;  ///< "symmetric", "asymmetric", "unsigned"
  int64_t channels;    ///< 1: per tensor; else per channel along `axis`
  int64_t axis;
  float scale_min, scale_max;
  bool power_of_two;  ///< every scale is 2^k
  int64_t zero_point_min, zero_point_max;
};

/// Every quantized activation (QuantizeLinear output), weight and bias of
/// `g`, in node order.
std::vector<TensorQuantization> DescribeQuantization(const Graph& g);

/// As a table (for people) or a JSON array.
std::string QuantizationToText(const std::vector<TensorQuantization>& t);
std::string QuantizationToJson(const std::vector<TensorQuantization>& t);

}  // namespace quantc

#endif  // QUANTC_REPORT_IMPORTED_QUANTIZATION_H_

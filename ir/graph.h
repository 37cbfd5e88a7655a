// quantc's graph IR.
//
// A Graph owns Nodes (in a list kept in topological order) and Values. Every
// Value has at most one definition: a graph input, an initializer (a constant
// tensor) or a node output. Values keep their use lists, so def-use walks and
// ReplaceAllUsesWith are cheap. Iteration order is always the insertion order
// (never a hash order), which keeps printing and export deterministic.
// Protobuf never appears here: ONNX is converted at the import/export edge.
#ifndef QUANTC_IR_GRAPH_H_
#define QUANTC_IR_GRAPH_H_

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ir/attribute.h"
#include "ir/tensor.h"

namespace quantc {

class Node;

/// One dimension: a known size, a symbolic parameter ("N"), or unknown.
struct Dim {
  int64_t value = -1;  ///< >= 0 when known
  std::string param;   ///< symbolic name when value < 0, may be empty
  bool known() const { return value >= 0; }
  bool operator==(const Dim& o) const { return value == o.value && param == o.param; }
};

/// Static type of a Value: element type and (optionally) a shape.
struct TensorType {
  DType dtype = DType::kUndefined;
  std::optional<std::vector<Dim>> shape;  ///< nullopt: rank unknown

  /// Fully known shape as integers, or nullopt.
  std::optional<std::vector<int64_t>> StaticDims() const;
  static TensorType Static(DType dtype, absl::Span<const int64_t> dims);
  bool operator==(const TensorType& o) const { return dtype == o.dtype && shape == o.shape; }
};

/// What a quantized tensor is to the model: data flowing between layers, or
/// a layer's constant weight or bias. Set by whoever quantizes the tensor,
/// so no pass or report infers it from a name or a storage type.
enum class QuantTensorKind { kActivation, kWeight, kBias };

/// Affine quantization parameters attached to a Value (see ir/README.md).
/// real = (q - zero_point) * scale, per tensor (axis unset, one element) or
/// per channel along `axis`.
struct QuantParams {
  DType storage = DType::kInt8;
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  std::optional<int64_t> axis;
  QuantTensorKind kind = QuantTensorKind::kActivation;
  bool operator==(const QuantParams& o) const {
    return storage == o.storage && scale == o.scale && zero_point == o.zero_point &&
           axis == o.axis && kind == o.kind;
  }
};

/// One use of a Value: `user->inputs()[index] == value`.
struct Use {
  Node* user;
  int index;
  bool operator==(const Use& o) const { return user == o.user && index == o.index; }
};

/// A tensor-valued SSA name.
class Value {
 public:
  const std::string& name() const { return name_; }
  const TensorType& type() const { return type_; }
  void set_type(TensorType t) { type_ = std::move(t); }
  /// The producing node, or nullptr for graph inputs and initializers.
  Node* producer() const { return producer_; }
  int producer_index() const { return producer_index_; }
  const std::vector<Use>& uses() const { return uses_; }
  bool is_initializer() const { return initializer_.has_value(); }
  bool is_graph_input() const { return is_graph_input_; }
  /// The initializer's data (only when is_initializer()).
  const Tensor& initializer() const { return *initializer_; }
  const std::optional<QuantParams>& quant() const { return quant_; }
  void set_quant(std::optional<QuantParams> q) { quant_ = std::move(q); }

 private:
  friend class Graph;
  friend class Node;
  std::string name_;
  TensorType type_;
  Node* producer_ = nullptr;
  int producer_index_ = -1;
  bool is_graph_input_ = false;
  std::optional<Tensor> initializer_;
  std::optional<QuantParams> quant_;
  std::vector<Use> uses_;
  int graph_output_count_ = 0;  // times listed in Graph::outputs() (O(1) IsGraphOutput)
};

/// An operator application. Inputs may contain nullptr for an omitted
/// optional input (ONNX's empty name).
class Node {
 public:
  const std::string& name() const { return name_; }
  const std::string& op_type() const { return op_type_; }
  /// "" for the default ai.onnx domain.
  const std::string& domain() const { return domain_; }
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  Value* input(int i) const { return i < static_cast<int>(inputs_.size()) ? inputs_[i] : nullptr; }
  Value* output(int i) const { return outputs_[i]; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  /// Points input `i` at `v` (nullptr allowed), keeping use lists right.
  void SetInput(int i, Value* v);
  void AddInput(Value* v);

  /// Attributes, sorted by name.
  const std::vector<Attribute>& attributes() const { return attrs_; }
  const Attribute* FindAttr(absl::string_view name) const;
  int64_t GetInt(absl::string_view name, int64_t dflt) const;
  float GetFloat(absl::string_view name, float dflt) const;
  std::string GetString(absl::string_view name, absl::string_view dflt) const;
  std::vector<int64_t> GetInts(absl::string_view name, std::vector<int64_t> dflt = {}) const;
  std::vector<float> GetFloats(absl::string_view name, std::vector<float> dflt = {}) const;
  void SetAttr(Attribute a);
  void RemoveAttr(absl::string_view name);

  /// "node 'conv1' (Conv)": the prefix every diagnostic about a node uses.
  std::string Describe() const;

  /// Kept in floating point in a quantized model (the user's --float-ops,
  /// marked by passes/mark_float_ops): quantization passes leave it float
  /// and backends accept it outside their integer vocabulary.
  bool float_op() const { return float_op_; }
  void set_float_op(bool f) { float_op_ = f; }

 private:
  friend class Graph;
  bool float_op_ = false;
  std::string name_, op_type_, domain_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  std::vector<std::unique_ptr<Value>> owned_outputs_;
  std::vector<Attribute> attrs_;
  // Where the graph's node list holds this node (list iterators survive
  // inserts, erases of others and splices), so finding it is O(1).
  std::list<std::unique_ptr<Node>>::iterator position_;
};

/// Model-level facts that the IR carries through unchanged.
struct ModelInfo {
  int64_t ir_version = 8;
  std::map<std::string, int64_t> opsets;  ///< domain -> version ("" is ai.onnx)
  std::string producer_name, producer_version, domain, doc_string;
  int64_t model_version = 0;
  std::vector<std::pair<std::string, std::string>> metadata;
};

class Graph {
 public:
  using NodeList = std::list<std::unique_ptr<Node>>;

  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  /// A deep copy (tensor bytes are shared, being immutable): same names,
  /// order, types, attributes and quantization parameters.
  std::unique_ptr<Graph> Clone() const;

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  ModelInfo& info() { return info_; }
  const ModelInfo& info() const { return info_; }
  /// ai.onnx opset version (0 if not imported).
  int64_t opset() const;

  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  /// Initializers in insertion order.
  const std::vector<Value*>& initializers() const { return initializers_; }

  /// Nodes in topological order, as a range of Node*.
  class NodeRange;
  NodeRange nodes() const;
  int num_nodes() const { return static_cast<int>(nodes_.size()); }

  /// Adds a graph input (appended to the input list).
  Value* AddInput(absl::string_view name, TensorType type);
  /// Adds a constant. `name` is made unique if taken.
  Value* AddInitializer(absl::string_view name, Tensor t);
  /// Replaces the data of an initializer (type follows the tensor).
  void SetInitializer(Value* v, Tensor t);
  /// Appends `v` to the graph outputs.
  void AddOutput(Value* v);
  void SetOutput(int i, Value* v);

  /// Creates a node before `before` (nullptr: at the end). Output and node
  /// names are made unique; an empty output name marks an omitted optional
  /// output. Output types start undefined.
  Node* AddNode(absl::string_view op_type, absl::Span<Value* const> inputs,
                absl::Span<const std::string> output_names, Node* before = nullptr,
                absl::string_view node_name = "", absl::string_view domain = "");
  /// Erases a node whose outputs have no uses and are not graph outputs.
  void RemoveNode(Node* n);
  /// Erases an initializer that has no uses and is not a graph output.
  void RemoveInitializer(Value* v);

  /// Redirects every use of `from` to `to`. If `from` is a graph output, the
  /// output keeps its public name: `to` takes the name when it is a plain
  /// node output, otherwise an Identity carries it. Uses by `except` (the
  /// node that now reads `from` to produce `to`, when inserting a node after
  /// `from`) are left alone.
  void ReplaceAllUsesWith(Value* from, Value* to, const Node* except = nullptr);

  /// Makes room for `values` more value names and `nodes` more node names
  /// (an importer that knows its sizes saves the name sets' regrowth).
  void ReserveNames(size_t values, size_t nodes);
  /// A name not yet used by any value or node, derived from `base`.
  std::string UniqueName(absl::string_view base);
  std::string UniqueNodeName(absl::string_view base);
  /// Gives `n` a new (uniquified) name, freeing its old one; a rewrite that
  /// replaces a node renames the old one so the replacement keeps the name
  /// users know.
  void RenameNode(Node* n, absl::string_view name);
  /// Looks a value up by name (linear in the graph; not for hot loops).
  Value* FindValue(absl::string_view name) const;
  bool IsGraphOutput(const Value* v) const;

  /// Moves `n` to just before `before` (used by topological sorting).
  void MoveBefore(Node* n, Node* before);
  /// Re-sorts nodes topologically, stable w.r.t. the current order, in
  /// O(n log n). Fails (returns false, order unchanged) on a cycle.
  bool SortTopologically();

 private:
  void RenameValue(Value* v, std::string name);
  NodeList::iterator Find(Node* n);
  void SetOutputSlot(Value*& slot, Value* v);

  std::string name_;
  ModelInfo info_;
  std::vector<std::unique_ptr<Value>> owned_values_;  // inputs and initializers
  std::vector<Value*> inputs_, outputs_, initializers_;
  NodeList nodes_;
  // Only for uniqueness checks, never iterated. Node names live apart from
  // value names because exporters often give a node and its output one name.
  absl::flat_hash_set<std::string> names_;
  absl::flat_hash_set<std::string> node_names_;
  int64_t name_counter_ = 0;
};

class Graph::NodeRange {
 public:
  class iterator {
   public:
    explicit iterator(NodeList::const_iterator it) : it_(it) {}
    Node* operator*() const { return it_->get(); }
    iterator& operator++() { ++it_; return *this; }
    bool operator!=(const iterator& o) const { return it_ != o.it_; }
    bool operator==(const iterator& o) const { return it_ == o.it_; }
   private:
    NodeList::const_iterator it_;
  };
  explicit NodeRange(const NodeList& l) : l_(l) {}
  iterator begin() const { return iterator(l_.begin()); }
  iterator end() const { return iterator(l_.end()); }
  /// A snapshot, for loops that mutate the graph.
  std::vector<Node*> ToVector() const;
 private:
  const NodeList& l_;
};

inline Graph::NodeRange Graph::nodes() const { return NodeRange(nodes_); }

}  // namespace quantc

#endif  // QUANTC_IR_GRAPH_H_

#include "ir/graph.h"

#include <algorithm>
#include <functional>
#include <queue>

#include "absl/strings/str_cat.h"
#include "util/check.h"

namespace quantc {

std::optional<std::vector<int64_t>> TensorType::StaticDims() const {
  if (!shape) return std::nullopt;
  std::vector<int64_t> dims;
  for (const Dim& d : *shape) {
    if (!d.known()) return std::nullopt;
    dims.push_back(d.value);
  }
  return dims;
}

TensorType TensorType::Static(DType dtype, absl::Span<const int64_t> dims) {
  TensorType t;
  t.dtype = dtype;
  t.shape.emplace();
  for (int64_t d : dims) t.shape->push_back(Dim{d, ""});
  return t;
}

// ---- Node ----

void Node::SetInput(int i, Value* v) {
  QC_CHECK(i >= 0 && i < num_inputs());
  if (Value* old = inputs_[i]) {
    auto& u = old->uses_;
    u.erase(std::find(u.begin(), u.end(), Use{this, i}));
  }
  inputs_[i] = v;
  if (v) v->uses_.push_back(Use{this, i});
}

void Node::AddInput(Value* v) {
  inputs_.push_back(nullptr);
  SetInput(num_inputs() - 1, v);
}

const Attribute* Node::FindAttr(absl::string_view name) const {
  auto it = std::lower_bound(attrs_.begin(), attrs_.end(), name,
                             [](const Attribute& a, absl::string_view n) { return a.name < n; });
  return it != attrs_.end() && it->name == name ? &*it : nullptr;
}

int64_t Node::GetInt(absl::string_view name, int64_t dflt) const {
  const Attribute* a = FindAttr(name);
  return a && a->kind == Attribute::Kind::kInt ? a->i : dflt;
}

float Node::GetFloat(absl::string_view name, float dflt) const {
  const Attribute* a = FindAttr(name);
  return a && a->kind == Attribute::Kind::kFloat ? a->f : dflt;
}

std::string Node::GetString(absl::string_view name, absl::string_view dflt) const {
  const Attribute* a = FindAttr(name);
  return a && a->kind == Attribute::Kind::kString ? a->s : std::string(dflt);
}

std::vector<int64_t> Node::GetInts(absl::string_view name, std::vector<int64_t> dflt) const {
  const Attribute* a = FindAttr(name);
  return a && a->kind == Attribute::Kind::kInts ? a->ints : dflt;
}

std::vector<float> Node::GetFloats(absl::string_view name, std::vector<float> dflt) const {
  const Attribute* a = FindAttr(name);
  return a && a->kind == Attribute::Kind::kFloats ? a->floats : dflt;
}

void Node::SetAttr(Attribute a) {
  auto it = std::lower_bound(attrs_.begin(), attrs_.end(), a.name,
                             [](const Attribute& x, const std::string& n) { return x.name < n; });
  if (it != attrs_.end() && it->name == a.name) {
    *it = std::move(a);
  } else {
    attrs_.insert(it, std::move(a));
  }
}

void Node::RemoveAttr(absl::string_view name) {
  attrs_.erase(std::remove_if(attrs_.begin(), attrs_.end(),
                              [&](const Attribute& a) { return a.name == name; }),
               attrs_.end());
}

std::string Node::Describe() const {
  if (name_.empty() && !outputs_.empty()) {
    return absl::StrCat("node producing '", outputs_[0]->name_, "' (", op_type_, ")");
  }
  return absl::StrCat("node '", name_, "' (", op_type_, ")");
}

// ---- Graph ----

int64_t Graph::opset() const {
  auto it = info_.opsets.find("");
  return it == info_.opsets.end() ? 0 : it->second;
}

std::vector<Node*> Graph::NodeRange::ToVector() const {
  std::vector<Node*> v;
  for (const auto& n : l_) v.push_back(n.get());
  return v;
}

namespace {
std::string Uniquify(absl::flat_hash_set<std::string>& taken, absl::string_view base,
                     int64_t& counter) {
  std::string b = base.empty() ? "t" : std::string(base);
  if (taken.insert(b).second) return b;
  while (true) {
    std::string n = absl::StrCat(b, "__", ++counter);
    if (taken.insert(n).second) return n;
  }
}
}  // namespace

void Graph::ReserveNames(size_t values, size_t nodes) {
  names_.reserve(names_.size() + values);
  node_names_.reserve(node_names_.size() + nodes);
}

std::string Graph::UniqueName(absl::string_view base) {
  return Uniquify(names_, base, name_counter_);
}

std::string Graph::UniqueNodeName(absl::string_view base) {
  return Uniquify(node_names_, base, name_counter_);
}

void Graph::RenameNode(Node* n, absl::string_view name) {
  node_names_.erase(n->name_);
  n->name_ = name.empty() ? std::string() : UniqueNodeName(name);
}

Value* Graph::AddInput(absl::string_view name, TensorType type) {
  auto v = std::make_unique<Value>();
  v->name_ = UniqueName(name);
  v->type_ = std::move(type);
  v->is_graph_input_ = true;
  inputs_.push_back(v.get());
  owned_values_.push_back(std::move(v));
  return inputs_.back();
}

Value* Graph::AddInitializer(absl::string_view name, Tensor t) {
  auto v = std::make_unique<Value>();
  v->name_ = UniqueName(name);
  v->type_ = TensorType::Static(t.dtype(), t.dims());
  v->initializer_ = std::move(t);
  initializers_.push_back(v.get());
  owned_values_.push_back(std::move(v));
  return initializers_.back();
}

void Graph::SetInitializer(Value* v, Tensor t) {
  QC_CHECK(v->is_initializer());
  v->type_ = TensorType::Static(t.dtype(), t.dims());
  v->initializer_ = std::move(t);
}

void Graph::AddOutput(Value* v) {
  outputs_.push_back(nullptr);
  SetOutputSlot(outputs_.back(), v);
}

void Graph::SetOutput(int i, Value* v) { SetOutputSlot(outputs_.at(i), v); }

void Graph::SetOutputSlot(Value*& slot, Value* v) {
  if (slot != nullptr) --slot->graph_output_count_;
  slot = v;
  if (v != nullptr) ++v->graph_output_count_;
}

Node* Graph::AddNode(absl::string_view op_type, absl::Span<Value* const> inputs,
                     absl::Span<const std::string> output_names, Node* before,
                     absl::string_view node_name, absl::string_view domain) {
  auto node = std::make_unique<Node>();
  Node* n = node.get();
  n->op_type_ = std::string(op_type);
  n->domain_ = std::string(domain);
  n->name_ = node_name.empty() ? std::string() : UniqueNodeName(node_name);
  n->inputs_.reserve(inputs.size());
  n->outputs_.reserve(output_names.size());
  n->owned_outputs_.reserve(output_names.size());
  for (Value* v : inputs) n->AddInput(v);
  for (const std::string& out : output_names) {
    auto v = std::make_unique<Value>();
    v->name_ = out.empty() ? std::string() : UniqueName(out);
    v->producer_ = n;
    v->producer_index_ = static_cast<int>(n->outputs_.size());
    n->outputs_.push_back(v.get());
    n->owned_outputs_.push_back(std::move(v));
  }
  n->position_ = nodes_.insert(before ? Find(before) : nodes_.end(), std::move(node));
  return n;
}

Graph::NodeList::iterator Graph::Find(Node* n) {
  QC_CHECK(n->position_->get() == n);  // a node of this graph
  return n->position_;
}

bool Graph::IsGraphOutput(const Value* v) const { return v->graph_output_count_ > 0; }

void Graph::RemoveNode(Node* n) {
  for (Value* out : n->outputs_) {
    QC_CHECK(out->uses_.empty() && !IsGraphOutput(out));
    names_.erase(out->name_);
  }
  for (int i = 0; i < n->num_inputs(); ++i) n->SetInput(i, nullptr);
  node_names_.erase(n->name_);
  nodes_.erase(Find(n));
}

void Graph::RemoveInitializer(Value* v) {
  QC_CHECK(v->is_initializer() && v->uses_.empty() && !IsGraphOutput(v));
  initializers_.erase(std::find(initializers_.begin(), initializers_.end(), v));
  names_.erase(v->name_);
  owned_values_.erase(std::find_if(owned_values_.begin(), owned_values_.end(),
                                   [v](const std::unique_ptr<Value>& p) { return p.get() == v; }));
}

void Graph::RenameValue(Value* v, std::string name) {
  names_.erase(v->name_);
  v->name_ = std::move(name);
  names_.insert(v->name_);
}

void Graph::ReplaceAllUsesWith(Value* from, Value* to, const Node* except) {
  QC_CHECK(from != to);
  // Moves the uses in one pass (SetInput per use would search `from`'s
  // list each time: quadratic for a value with many users).
  std::vector<Use> kept;
  for (const Use& u : from->uses_) {
    if (u.user == except) {
      kept.push_back(u);
      continue;
    }
    u.user->inputs_[u.index] = to;
    if (to) to->uses_.push_back(u);
  }
  from->uses_ = std::move(kept);
  // `from` and `to` hold the same values, so `to` may adopt a more precise
  // static type (e.g. a graph output's declared shape).
  const TensorType& ft = from->type_;
  const TensorType& tt = to->type_;
  bool more_shaped = ft.shape && (!tt.shape || (ft.StaticDims() && !tt.StaticDims()));
  bool same_or_unknown = tt.dtype == ft.dtype || tt.dtype == DType::kUndefined;
  if (same_or_unknown && (more_shaped || tt.dtype == DType::kUndefined)) {
    TensorType merged = ft;
    if (!more_shaped) merged.shape = tt.shape;
    to->type_ = merged;
  }
  if (!IsGraphOutput(from)) return;
  // Graph outputs are the model's public contract, so their names survive.
  std::string public_name = from->name_;
  Value* carrier = to;
  bool to_is_plain = to->producer_ != nullptr && !IsGraphOutput(to);
  if (!to_is_plain) {
    Node* id = AddNode("Identity", {to}, {from->name_ + "__out"});
    id->outputs_[0]->type_ = to->type_;
    carrier = id->outputs_[0];
  }
  RenameValue(from, UniqueName(public_name + "__replaced"));
  RenameValue(carrier, public_name);
  for (Value*& o : outputs_) {
    if (o == from) SetOutputSlot(o, carrier);
  }
}

std::unique_ptr<Graph> Graph::Clone() const {
  auto g = std::make_unique<Graph>();
  g->name_ = name_;
  g->info_ = info_;
  absl::flat_hash_map<const Value*, Value*> map;
  auto copy_meta = [](const Value* from, Value* to) {
    to->type_ = from->type_;
    to->quant_ = from->quant_;
  };
  for (const Value* v : inputs_) {
    map[v] = g->AddInput(v->name_, v->type_);
    copy_meta(v, map[v]);
  }
  for (const Value* v : initializers_) {
    map[v] = g->AddInitializer(v->name_, *v->initializer_);
    copy_meta(v, map[v]);
  }
  for (const auto& n : nodes_) {
    std::vector<Value*> ins;
    for (const Value* in : n->inputs_) ins.push_back(in ? map.at(in) : nullptr);
    std::vector<std::string> outs;
    for (const Value* out : n->outputs_) outs.push_back(out->name_);
    Node* c = g->AddNode(n->op_type_, ins, outs, nullptr, n->name_, n->domain_);
    c->attrs_ = n->attrs_;
    c->float_op_ = n->float_op_;
    for (int i = 0; i < n->num_outputs(); ++i) {
      map[n->outputs_[i]] = c->outputs_[i];
      copy_meta(n->outputs_[i], c->outputs_[i]);
    }
  }
  for (const Value* v : outputs_) g->AddOutput(map.at(v));
  return g;
}

Value* Graph::FindValue(absl::string_view name) const {
  for (Value* v : inputs_) if (v->name_ == name) return v;
  for (Value* v : initializers_) if (v->name_ == name) return v;
  for (const auto& n : nodes_) {
    for (Value* v : n->outputs_) if (v->name_ == name) return v;
  }
  return nullptr;
}

void Graph::MoveBefore(Node* n, Node* before) {
  auto from = Find(n);
  auto to = before ? Find(before) : nodes_.end();
  nodes_.splice(to, nodes_, from);
}

bool Graph::SortTopologically() {
  // Kahn's algorithm, always taking the earliest ready node in the current
  // order (a min-heap of positions), so an already sorted graph keeps its
  // order exactly.
  const std::vector<Node*> order = nodes().ToVector();
  absl::flat_hash_map<const Node*, int> position;
  for (size_t i = 0; i < order.size(); ++i) position[order[i]] = static_cast<int>(i);
  std::vector<int> pending(order.size(), 0);
  for (size_t i = 0; i < order.size(); ++i) {
    absl::flat_hash_set<const Node*> preds;
    for (Value* v : order[i]->inputs_) {
      if (v == nullptr || v->producer_ == nullptr) continue;
      if (v->producer_ == order[i]) return false;  // self loop
      preds.insert(v->producer_);
    }
    pending[i] = static_cast<int>(preds.size());
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t i = 0; i < order.size(); ++i) {
    if (pending[i] == 0) ready.push(static_cast<int>(i));
  }
  std::vector<Node*> sorted;
  sorted.reserve(order.size());
  while (!ready.empty()) {
    Node* n = order[ready.top()];
    ready.pop();
    sorted.push_back(n);
    absl::flat_hash_set<const Node*> notified;
    for (Value* out : n->outputs_) {
      for (const Use& u : out->uses_) {
        if (!notified.insert(u.user).second) continue;
        const int j = position.at(u.user);
        if (--pending[j] == 0) ready.push(j);
      }
    }
  }
  if (sorted.size() != order.size()) return false;  // cycle
  for (Node* n : sorted) nodes_.splice(nodes_.end(), nodes_, n->position_);
  return true;
}

}  // namespace quantc

#include <algorithm>

#include "ops/operation.h"
#include "pictor/chain.h"

namespace pictor::ops {

#define PICTOR_OPERATION(name) const Operation& name##_operation();
#include "ops/op_list.inc"
#undef PICTOR_OPERATION

const std::vector<const Operation*>& registered_operations() {
  static const std::vector<const Operation*> operations = [] {
    std::vector<const Operation*> list = {
#define PICTOR_OPERATION(name) &name##_operation(),
#include "ops/op_list.inc"
#undef PICTOR_OPERATION
    };
    std::sort(list.begin(), list.end(), [](const Operation* a, const Operation* b) {
      return a->descriptor().name < b->descriptor().name;
    });
    return list;
  }();
  return operations;
}

const Operation* find_registered(std::string_view name) {
  for (const Operation* op : registered_operations()) {
    if (op->descriptor().name == name) return op;
  }
  return nullptr;
}

}  // namespace pictor::ops

namespace pictor {

const std::vector<const OpDescriptor*>& all_operations() {
  static const std::vector<const OpDescriptor*> descriptors = [] {
    std::vector<const OpDescriptor*> list;
    for (const ops::Operation* op : ops::registered_operations()) list.push_back(&op->descriptor());
    return list;
  }();
  return descriptors;
}

const OpDescriptor* find_operation(std::string_view name) {
  const ops::Operation* op = ops::find_registered(name);
  return op ? &op->descriptor() : nullptr;
}

}  // namespace pictor

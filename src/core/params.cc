#include "pictor/params.h"

#include <fmt/format.h>

#include <stdexcept>

namespace pictor {

const ParamSpec* OpDescriptor::find_param(std::string_view key) const {
  for (const ParamSpec& p : params) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

void OpArgs::set(const std::string& key, ParamValue value) {
  const ParamSpec* spec = op_->find_param(key);
  if (spec && !spec->required && spec->default_value == value) {
    values_.erase(key);  // defaults are never stored: equal chains compare equal
    return;
  }
  values_[key] = std::move(value);
}

const ParamValue& OpArgs::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it != values_.end()) return it->second;
  const ParamSpec* spec = op_->find_param(key);
  if (!spec) throw std::logic_error(fmt::format("{} has no parameter {}", op_->name, key));
  return spec->default_value;
}

int64_t OpArgs::get_int(const std::string& key) const { return std::get<int64_t>(get(key)); }
double OpArgs::get_float(const std::string& key) const { return std::get<double>(get(key)); }
bool OpArgs::get_bool(const std::string& key) const { return std::get<bool>(get(key)); }
const std::string& OpArgs::get_enum(const std::string& key) const {
  return std::get<std::string>(get(key));
}
Color OpArgs::get_color(const std::string& key) const { return std::get<Color>(get(key)); }

std::string format_value(const ParamValue& value) {
  struct Visitor {
    std::string operator()(int64_t v) const { return fmt::format("{}", v); }
    // fmt's "{}" prints the shortest text that reads back to the same double.
    std::string operator()(double v) const { return fmt::format("{}", v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const Color& c) const {
      return c.a == 255 ? fmt::format("{:02x}{:02x}{:02x}", c.r, c.g, c.b)
                        : fmt::format("{:02x}{:02x}{:02x}{:02x}", c.r, c.g, c.b, c.a);
    }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace pictor

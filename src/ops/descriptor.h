// Small builders that keep operation descriptors readable.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "ops/operation.h"
#include "pictor/params.h"

namespace pictor::ops {

inline ParamSpec int_param(std::string key, std::string doc, int64_t def, int64_t min, int64_t max) {
  ParamSpec p;
  p.key = std::move(key);
  p.type = ParamType::kInt;
  p.doc = std::move(doc);
  p.default_value = def;
  p.min = static_cast<double>(min);
  p.max = static_cast<double>(max);
  return p;
}

// An integer whose default (0) means "not set".
inline ParamSpec optional_int_param(std::string key, std::string doc, int64_t min, int64_t max) {
  ParamSpec p = int_param(std::move(key), std::move(doc), 0, min, max);
  p.default_means_unset = true;
  return p;
}

inline ParamSpec required(ParamSpec p) {
  p.required = true;
  return p;
}

inline ParamSpec float_param(std::string key, std::string doc, double def, double min, double max) {
  ParamSpec p;
  p.key = std::move(key);
  p.type = ParamType::kFloat;
  p.doc = std::move(doc);
  p.default_value = def;
  p.min = min;
  p.max = max;
  return p;
}

inline ParamSpec bool_param(std::string key, std::string doc, bool def) {
  ParamSpec p;
  p.key = std::move(key);
  p.type = ParamType::kBool;
  p.doc = std::move(doc);
  p.default_value = def;
  return p;
}

inline ParamSpec enum_param(std::string key, std::string doc, std::string def,
                            std::vector<std::string> choices,
                            std::vector<std::pair<std::string, std::string>> aliases = {}) {
  ParamSpec p;
  p.key = std::move(key);
  p.type = ParamType::kEnum;
  p.doc = std::move(doc);
  p.default_value = std::move(def);
  p.choices = std::move(choices);
  p.aliases = std::move(aliases);
  return p;
}

inline ParamSpec color_param(std::string key, std::string doc, Color def) {
  ParamSpec p;
  p.key = std::move(key);
  p.type = ParamType::kColor;
  p.doc = std::move(doc);
  p.default_value = def;
  return p;
}

inline OpDescriptor describe(std::string name, std::string doc, std::string example,
                             std::vector<ParamSpec> params) {
  std::sort(params.begin(), params.end(),
            [](const ParamSpec& a, const ParamSpec& b) { return a.key < b.key; });
  return OpDescriptor{std::move(name), std::move(doc), std::move(example), std::move(params)};
}

}  // namespace pictor::ops

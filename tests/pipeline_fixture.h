// The pipeline the tests share: built once from the embedded defaults.
#ifndef TELGUARD_TESTS_PIPELINE_FIXTURE_H_
#define TELGUARD_TESTS_PIPELINE_FIXTURE_H_

#include <stdexcept>
#include <string>

#include "pipeline/pipeline.h"

namespace telguard::testing {

inline const Pipeline& SharedPipeline() {
  static const auto p = [] {
    std::string error;
    auto x = Pipeline::Create({}, &error);
    if (!x) throw std::runtime_error(error);
    return x;
  }();
  return *p;
}

// The same pipeline with every free-text field in one mode (--free-text).
inline const Pipeline& PipelineInMode(redaction::FreeTextMode mode) {
  static const auto make = [](redaction::FreeTextMode m) {
    std::string error;
    PipelineOptions o;
    o.free_text = m;
    auto x = Pipeline::Create(o, &error);
    if (!x) throw std::runtime_error(error);
    return x;
  };
  static const auto c = make(redaction::FreeTextMode::kClass);
  static const auto t = make(redaction::FreeTextMode::kTemplate);
  static const auto s = make(redaction::FreeTextMode::kScrub);
  return mode == redaction::FreeTextMode::kClass ? *c : mode == redaction::FreeTextMode::kTemplate ? *t : *s;
}

}  // namespace telguard::testing

#endif  // TELGUARD_TESTS_PIPELINE_FIXTURE_H_
